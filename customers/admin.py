from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "email", "phone", "ticket_count", "created_at"]
    search_fields = ["name", "external_id", "email", "phone"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).annotate(ticket_total=Count("tickets"))

    @admin.display(description="Tickets", ordering="ticket_total")
    def ticket_count(self, customer: Customer) -> int:
        return customer.ticket_total  # type: ignore[attr-defined]  # annotated above
