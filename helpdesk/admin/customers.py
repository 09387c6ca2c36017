"""Admin pages for customers: search, audit trail, export and erasure actions."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from customers.models import Customer, ErasureRecord
from helpdesk.privacy import customer_erase, customer_export, external_id_digest, may_erase


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "email", "phone", "ticket_count", "created_at"]
    search_fields = ["name", "external_id", "email", "phone"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["export_data", "erase_data"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).annotate(ticket_total=Count("tickets"))

    @admin.display(description="Tickets", ordering="ticket_total")
    def ticket_count(self, customer: Customer) -> int:
        return customer.ticket_total  # type: ignore[attr-defined]  # annotated above

    def has_delete_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # A plain delete would leave the customer's memories in the backend and their name
        # in the admin's history: "Erase customer data" does it all and keeps an audit record.
        return False

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return may_erase(request.user)

    @admin.action(description="Export customer data (JSON)", permissions=["view"])
    def export_data(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select one customer to export.", messages.WARNING)
            return None
        customer = queryset.get()
        data = customer_export(customer=customer)
        if not data["memory"]["available"]:
            self.message_user(request, data["memory"]["notice"], messages.WARNING)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json",
        )
        filename = f"customer-{customer.pk}-{timezone.now():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="Erase customer data (records and memories)", permissions=["erase"])
    def erase_data(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> TemplateResponse | None:
        if request.POST.get("post") != "yes":
            customers = Customer.objects.filter(pk__in=queryset.values("pk")).annotate(
                ticket_total=Count("tickets", distinct=True),
                message_total=Count("tickets__messages", distinct=True),
            )
            return TemplateResponse(
                request,
                "admin/customers/customer/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase customer data?",
                    "opts": self.model._meta,
                    "customers": customers,
                    "memory_backend": settings.MEMORY_BACKEND,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "media": self.media,
                },
            )
        erased = [customer_erase(customer=customer, actor=request.user) for customer in queryset]
        self.message_user(
            request,
            f"Erased {len(erased)} customer(s). The memory backend forgets them when the "
            "memory mirror delivers (see memory mirror entries and erasure records).",
            messages.SUCCESS,
        )
        return None


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    list_display = [
        "erased_at",
        "customer_pk",
        "actor_name",
        "memory_backend",
        "memory_state",
        "memory_kept_list",
    ]
    list_filter = ["memory_backend", "erased_at"]
    search_fields = ["actor_name"]
    search_help_text = "An external id (crm-4711) or a username."
    list_select_related = ["memory_entry"]
    readonly_fields = [field.name for field in ErasureRecord._meta.fields]

    @admin.display(description="Memory forgotten")
    def memory_state(self, record: ErasureRecord) -> str:
        entry = record.memory_entry
        return entry.get_state_display() if entry else "not recorded"

    @admin.display(description="Kept by the memory service")
    def memory_kept_list(self, record: ErasureRecord) -> str:
        return "; ".join(record.memory_kept) if record.memory_kept else "-"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErasureRecord], search_term: str
    ) -> tuple[QuerySet[ErasureRecord], bool]:
        """Search by external id: the record holds only its digest."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(external_id_digest=external_id_digest(search_term))
        return found, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False
