"""Webhook subscribers (registered in the admin) and the deliveries queued for them.

A `WebhookDelivery` is one event for one subscriber: an outbox row (`helpdesk.outbox`)
written in the transaction of what caused the event, its JSON body fixed then, and POSTed
after commit by the outbox worker. It keeps the last answer (status, an excerpt of the
body, how long it took) next to the shared delivery state.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.outbox import OutboxRow
from tickets.models import Ticket


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    MESSAGE_CREATED = "message.created", _("Message created")
    TICKET_ESCALATED = "ticket.escalated", _("Ticket escalated")
    TICKET_CLOSED = "ticket.closed", _("Ticket resolved or closed")


# Sent only by the admin's "Send a test event" action, whatever the subscription's events.
TEST_EVENT = "webhook.test"
DELIVERY_EVENTS = [*WebhookEvent.choices, (TEST_EVENT, _("Test event"))]


def webhook_secret() -> str:
    """A new subscription's signing secret: 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


def all_events() -> list[str]:
    return list(WebhookEvent.values)


# Only http and https: a subscriber is a web endpoint, never a file or ftp URL.
webhook_url_validator = URLValidator(schemes=["http", "https"])


def validate_events(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = [event for event in value if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(events)s."), params={"events": ", ".join(map(str, unknown))}
        )


class WebhookSubscription(models.Model):
    """An endpoint of the team's own integration, told about the events it chose."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[webhook_url_validator],
        help_text=_("Where events are POSTed: an http or https URL. Redirects are not followed."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=100,
        default=webhook_secret,
        help_text=_(
            "Signs every body (X-Helpdesk-Signature, HMAC-SHA256); give it to the subscriber."
        ),
    )
    events = models.JSONField(
        _("events"),
        default=all_events,
        validators=[validate_events],
        help_text=_("The events this subscriber receives."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])


class WebhookDelivery(OutboxRow):
    """One event for one subscriber, with its delivery state and the last answer."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.CharField(_("event"), max_length=32, choices=DELIVERY_EVENTS)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    # The ticket the event is about (none for a test event). Deleting the ticket, as erasing
    # its customer does, deletes its deliveries: their bodies hold the customer's data.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
        verbose_name=_("ticket"),
    )
    payload = models.JSONField(_("payload"))
    response_status = models.PositiveSmallIntegerField(_("last status"), null=True, blank=True)
    response_body = models.TextField(_("last response (excerpt)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_event_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["id", "next_attempt_at"],
                condition=models.Q(state="pending"),
                name="webhook_delivery_pending_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="webhook_delivery_sending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} to {self.subscription_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One try of a delivery, for the admin's log: when, the answer's status (none when
    there was no answer, or it was not tried), how long it took, and what went wrong."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("when"), default=timezone.now)
    response_status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["delivery", "id"]
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"
