"""Admin pages for tickets, messages, events and handoffs, with their actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField, ModelForm
from django.http import HttpRequest

from helpdesk.assist.escalation import ticket_escalate_with_handoff
from helpdesk.portal.access import AuthenticatedHttpRequest
from tickets import services
from tickets.models import Handoff, Macro, Message, Ticket, TicketEvent
from tickets.selectors import agent_list
from tickets.services import TicketConflictError, tags_clean


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "role", "author_name", "posted_by", "body", "external_id")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("posted_by")

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "old_value", "new_value", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


class HandoffInline(admin.StackedInline):
    model = Handoff
    extra = 0
    fields = (
        "created_at", "assigned_to", "escalated_by", "reason", "issue_summary",
        "customer_summary", "customer_sentiment", "attempted_solutions", "open_questions",
        "relevant_history", "composer", "redactions",
    )  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["ticket", "assigned_to", "escalated_by", "customer_sentiment", "created_at"]
    list_filter = ["customer_sentiment", "composer", "created_at"]
    search_fields = ["ticket__subject", "reason", "issue_summary", "assigned_to__username"]
    list_select_related = ["ticket", "assigned_to", "escalated_by"]
    readonly_fields = [field.name for field in Handoff._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Handoff | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "customer",
        "status",
        "priority",
        "assigned_to",
        "last_message_at",
    ]
    list_display_links = ["reference", "subject"]
    list_filter = [
        "status",
        "priority",
        "channel",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["subject", "customer__name", "customer__external_id", "customer__email"]
    list_select_related = ["customer", "assigned_to"]
    raw_id_fields = ["customer"]
    readonly_fields = ["reference", "created_at", "updated_at", "last_message_at", "closed_at"]
    fields = [
        "reference",
        "customer",
        "subject",
        "channel",
        "status",
        "priority",
        "assigned_to",
        *readonly_fields[1:],
    ]
    date_hierarchy = "created_at"
    inlines = [MessageInline, TicketEventInline, HandoffInline]
    actions = ["assign_to_me", "escalate", "mark_resolved", "mark_closed"]
    list_per_page = 50

    def save_model(self, request: HttpRequest, obj: Ticket, form: ModelForm, change: bool) -> None:
        """Route changes through the services so every change leaves an audit row."""
        if change:
            current = Ticket.objects.get(pk=obj.pk)
        else:
            current = services.ticket_create(
                customer=obj.customer,
                subject=obj.subject,
                channel=obj.channel,
                priority=obj.priority,
                actor=request.user,
            )
            obj.pk = current.pk
            obj.created_at = current.created_at
        if obj.assigned_to_id != current.assigned_to_id:
            services.ticket_assign(ticket=current, assignee=obj.assigned_to, actor=request.user)
        if obj.status != current.status:
            services.ticket_change_status(ticket=current, status=obj.status, actor=request.user)
        if obj.priority != current.priority:
            services.ticket_change_priority(
                ticket=current, priority=obj.priority, actor=request.user
            )
        if obj.subject != current.subject or obj.channel != current.channel:
            Ticket.objects.filter(pk=obj.pk).update(subject=obj.subject, channel=obj.channel)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "assigned_to":
            # Only agents may hold tickets; anyone else would fail in ticket_assign.
            kwargs["queryset"] = agent_list()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description="Assign selected tickets to me", permissions=["assign"])
    def assign_to_me(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Ticket]) -> None:
        for ticket in queryset:
            services.ticket_assign(ticket=ticket, assignee=request.user, actor=request.user)
        self.message_user(
            request, f"Assigned {queryset.count()} ticket(s) to you.", messages.SUCCESS
        )

    @admin.action(
        description="Escalate selected tickets to the next available agent",
        permissions=["change"],
    )
    def escalate(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        escalated, refused = 0, []
        for ticket in queryset.select_related("customer"):
            try:
                ticket_escalate_with_handoff(
                    ticket=ticket,
                    actor=request.user,
                    reason=f"Escalated from the admin by {request.user.get_username()}.",
                )
                escalated += 1
            except TicketConflictError as error:
                refused.append(str(error))
        if escalated:
            self.message_user(
                request, f"Escalated {escalated} ticket(s) with a handoff.", messages.SUCCESS
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Mark selected tickets resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._set_status(request, queryset, Ticket.Status.RESOLVED)

    @admin.action(description="Close selected tickets", permissions=["change"])
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._set_status(request, queryset, Ticket.Status.CLOSED)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Ticket], status: str) -> None:
        changed = 0
        for ticket in queryset.exclude(status=status):
            services.ticket_change_status(ticket=ticket, status=status, actor=request.user)
            changed += 1
        self.message_user(request, f"{changed} ticket(s) now {status}.", messages.SUCCESS)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tickets.assign_ticket")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "role", "author_name", "short_body", "created_at"]
    list_filter = ["role"]
    search_fields = ["body", "external_id", "ticket__subject"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "author"]
    readonly_fields = [
        "ticket",
        "role",
        "author",
        "author_name",
        "posted_by",
        "body",
        "created_at",
        "external_id",
    ]
    date_hierarchy = "created_at"
    list_per_page = 50

    @admin.display(description="Body")
    def short_body(self, message: Message) -> str:
        return message.body if len(message.body) <= 80 else message.body[:79] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Messages arrive through the portal or the API, where they are validated and mirrored.
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "old_value", "new_value", "actor"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["ticket__subject", "note"]
    readonly_fields = ["ticket", "actor", "kind", "old_value", "new_value", "note", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TicketEvent | None = None) -> bool:
        return False


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "set_status", "set_priority", "usage_count", "updated_at")
    list_filter = ("set_status", "set_priority", ("owner", admin.EmptyFieldListFilter))
    search_fields = ("name", "body")
    raw_id_fields = ("owner",)
    readonly_fields = ("usage_count", "created_at", "updated_at")
    fields = (
        "name", "body", "owner", "set_status", "set_priority", "add_tags",
        "usage_count", "created_at", "updated_at",
    )  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Macro, form: Any, change: bool) -> None:
        obj.add_tags = tags_clean(obj.add_tags or [])
        super().save_model(request, obj, form, change)
