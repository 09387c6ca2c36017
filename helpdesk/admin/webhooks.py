"""Admin pages for webhook subscribers (URL, events, the signing secret, active; a test event)
and every delivery (its event, state, the last answer and error, and every attempt; failed
ones can be retried)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from helpdesk.outbox import request_delivery, retry_failed
from helpdesk.webhooks.events import webhook_test_queue
from helpdesk.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    webhook_secret,
)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where events are POSTed: an http or https URL. Redirects are not followed.",
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this subscriber receives.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "events", "is_active")

    def clean_events(self) -> list[str]:
        chosen = set(self.cleaned_data["events"])
        return [event for event in WebhookEvent.values if event in chosen]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    fields = ("name", "url", "events", "is_active", "secret", "created_at")
    readonly_fields = ("secret", "created_at")
    actions = ("send_test_event", "new_secret")

    @admin.display(description="Events")
    def event_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events or [])

    @admin.action(description="Send a test event to the selected subscriptions")
    def send_test_event(
        self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]
    ) -> None:
        active = [subscription for subscription in queryset if subscription.is_active]
        for subscription in active:
            webhook_test_queue(subscription)
        skipped = len(queryset) - len(active)
        note = f" ({skipped} inactive skipped)" if skipped else ""
        self.message_user(
            request,
            f"Queued a webhook.test event for {len(active)} subscriptions{note}: see the "
            "webhook deliveries for the answers.",
            messages.SUCCESS,
        )

    @admin.action(description="Generate a new secret for the selected subscriptions")
    def new_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            subscription.secret = webhook_secret()
            subscription.save(update_fields=["secret"])
        self.message_user(
            request,
            "New secrets generated: give them to the subscribers (queued deliveries are signed "
            "with the new one).",
            messages.WARNING,
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "attempted_at", "response_status", "duration_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    inlines = (WebhookAttemptInline,)
    list_display = (
        "id", "event", "subscription", "ticket", "state", "attempts", "response_status",
        "duration_ms", "short_error", "next_attempt_at", "created_at", "delivered_at",
    )  # fmt: skip
    list_filter = ("state", "event", "subscription", "created_at")
    search_fields = ("=event_id", "=ticket__id", "last_error")
    list_select_related = ("subscription", "ticket")
    readonly_fields = (
        "subscription", "event", "event_id", "ticket", "payload", "state", "attempts",
        "next_attempt_at", "lease_expires_at", "response_status", "response_body",
        "duration_ms", "last_error", "created_at", "delivered_at",
    )  # fmt: skip
    actions = ("retry",)
    list_per_page = 100

    @admin.display(description="Last error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        return delivery.last_error[:120]

    @admin.action(description="Retry selected failed deliveries", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        requeued = retry_failed(queryset)
        request_delivery()
        self.message_user(request, f"Queued {requeued} failed deliveries again.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing is edited; "change" is what the retry action asks for.
        return bool(request.user.has_perm("webhooks.change_webhookdelivery")) and obj is None
