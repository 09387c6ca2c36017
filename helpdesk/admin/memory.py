"""Admin pages for the memory mirror's outbox (with retry), agents' notes, and what the
embedded engine learned (read-only: it is the backend's storage; corrections go through the
portal, which tells whichever backend runs)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from helpdesk.memory.models import AgentNote, Memory, MirrorEntry
from helpdesk.memory.services.mirror import mirror_retry
from helpdesk.memory.wakeup import request_delivery


# ModelAdmin[Memory] would fail at import: ModelAdmin has no __class_getitem__ at run time
# (django_stubs_ext.monkeypatch() would add one), so these admins leave the model implicit.
@admin.register(Memory)
class MemoryAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "category", "customer_id", "ticket_id", "created_at"]
    list_filter = ["kind", "category"]
    search_fields = ["text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Memory | None = None) -> bool:
        return False


@admin.register(AgentNote)
class AgentNoteAdmin(admin.ModelAdmin):
    list_display = ["text", "customer", "ticket", "created_at"]
    search_fields = ["text", "customer__name", "customer__external_id"]
    list_select_related = ["customer", "ticket"]
    raw_id_fields = ["customer", "ticket"]
    readonly_fields = ["created_at"]


@admin.register(MirrorEntry)
class MirrorEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "ticket", "state", "attempts", "next_attempt_at", "short_error"]
    list_filter = ["state", "kind", "needs_verification"]
    search_fields = ["last_error", "ticket__subject", "customer__name"]
    list_select_related = ["ticket"]
    readonly_fields = [
        "ticket", "customer", "message", "kind", "state", "payload", "attempts",
        "next_attempt_at", "lease_expires_at", "last_error", "outcome",
        "needs_verification", "created_at", "delivered_at",
    ]  # fmt: skip
    actions = ["retry"]
    list_per_page = 100

    @admin.display(description="Last error")
    def short_error(self, entry: MirrorEntry) -> str:
        return entry.last_error[:120]

    @admin.action(description="Retry selected failed entries", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[MirrorEntry]) -> None:
        requeued = mirror_retry(queryset)
        request_delivery()
        self.message_user(request, f"Queued {requeued} failed entries again.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
