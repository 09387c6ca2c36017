"""Admin pages for mail taken in (read-only: why a mail was ignored), its attachments, mail
sent out (its state, tries and last error; failed mail can be retried), and the websites
that embed the chat widget with their conversations."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from helpdesk.channels.models import (
    Attachment,
    InboundMail,
    OutgoingMail,
    WidgetConversation,
    WidgetSite,
)
from helpdesk.outbox import request_delivery, retry_failed


class _ReadOnlyAdmin(admin.ModelAdmin):
    """What mail brought is a record: it is not added or edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(InboundMail)
class InboundMailAdmin(_ReadOnlyAdmin):
    list_display = ("mail_id", "received_at", "ignored_reason", "message")
    list_filter = ("ignored_reason", "received_at")
    search_fields = ("mail_id",)
    readonly_fields = ("mail_id", "message", "ignored_reason", "sent_at", "received_at")
    raw_id_fields = ("message",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMail]:
        return super().get_queryset(request).select_related("message__ticket")


@admin.register(Attachment)
class AttachmentAdmin(_ReadOnlyAdmin):
    list_display = ("filename", "content_type", "size", "is_inline", "message", "created_at")
    list_filter = ("is_inline", "created_at")
    search_fields = ("filename",)
    readonly_fields = (
        "filename", "content_type", "size", "is_inline", "message", "download", "created_at",
    )  # fmt: skip
    exclude = ("file",)

    @admin.display(description="file")
    def download(self, attachment: Attachment) -> str:
        """A link to the agents' download (the storage's own URL is never served)."""
        url = reverse("api:attachment-download", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.filename)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).select_related("message__ticket")


@admin.register(WidgetSite)
class WidgetSiteAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key", "origins")
    fields = ("name", "origins", "is_active", "key", "identity_secret", "embed_code")
    readonly_fields = ("key", "embed_code")

    @admin.display(description="Embed code")
    def embed_code(self, site: WidgetSite) -> str:
        if not site.pk:
            return "Save the site to get its embed code."
        return format_html(
            "<code>&lt;script src=&quot;https://HELPDESK{}&quot; data-site=&quot;{}&quot; "
            "defer&gt;&lt;/script&gt;</code><p>HELPDESK: this helpdesk's address. For a "
            "signed-in user, add <code>data-user-id</code> and <code>data-user-hash</code> "
            "(HMAC-SHA256 of the id with the identity secret, hex, computed on the site's "
            "server) and, if you like, <code>data-user-name</code>.</p>",
            reverse("widget-js"),
            site.key,
        )


@admin.register(WidgetConversation)
class WidgetConversationAdmin(_ReadOnlyAdmin):
    list_display = ("ticket", "site", "created_at")
    list_filter = ("site", "created_at")
    readonly_fields = ("ticket", "site", "visitor", "created_at")
    raw_id_fields = ("ticket",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[WidgetConversation]:
        return super().get_queryset(request).select_related("ticket", "site")


@admin.register(OutgoingMail)
class OutgoingMailAdmin(_ReadOnlyAdmin):
    list_display = (
        "id", "ticket", "to_address", "state", "attempts", "next_attempt_at", "short_error",
        "created_at", "delivered_at",
    )  # fmt: skip
    list_filter = ("state", "created_at")
    search_fields = ("mail_id", "to_address", "last_error")
    list_select_related = ("ticket",)
    readonly_fields = (
        "ticket", "message", "mail_id", "to_address", "to_name", "subject", "in_reply_to",
        "references", "state", "attempts", "next_attempt_at", "lease_expires_at",
        "last_error", "created_at", "delivered_at",
    )  # fmt: skip
    actions = ("retry",)
    list_per_page = 100

    @admin.display(description="Last error")
    def short_error(self, mail: OutgoingMail) -> str:
        return mail.last_error[:120]

    @admin.action(description="Retry selected failed mail", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutgoingMail]) -> None:
        requeued = retry_failed(queryset)
        request_delivery()
        self.message_user(request, f"Queued {requeued} failed mail again.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Nothing is edited; "change" is what the retry action asks for.
        return bool(request.user.has_perm("channels.change_outgoingmail")) and obj is None
