"""Queue webhook events in the transaction of what caused them.

`webhook_queue` writes one `WebhookDelivery` per active subscription that wants the event,
all with the same event id and body, and asks for delivery once the transaction commits.
With no subscription that wants it, it writes nothing and (the subscriptions cached) asks
the database nothing.

The body is fixed at queue time: what happened then, about this ticket only (each event is
built from its own ticket, so one customer's data never goes out in another's event). It
carries the data the REST API returns (the subscriber is the team's own integration, as
API clients are), personal data included: names, the customer's external id, message text.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from helpdesk.outbox import request_delivery
from helpdesk.webhooks.models import (
    TEST_EVENT,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    """A ticket as the events show it (the API's fields, the customer's beside it)."""
    customer = ticket.customer
    assignee = ticket.assigned_to
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer": {
            "id": customer.pk,
            "external_id": customer.external_id,
            "name": customer.name,
        },
        "assigned_to": assignee.get_username() if assignee is not None else None,
        "created_at": _iso(ticket.created_at),
        "closed_at": _iso(ticket.closed_at),
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "role": message.role,
        "author": message.display_author,
        "body": message.body,
        "created_at": _iso(message.created_at),
    }


def event_body(event: str, event_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }


SUBSCRIPTIONS_CACHE_KEY = "helpdesk:webhooks:subscriptions"


def _wanting(rows: list[tuple[int, object]], event: str) -> list[int]:
    return [pk for pk, events in rows if isinstance(events, list) and event in events]


def _active_rows() -> list[tuple[int, object]]:
    rows = WebhookSubscription.objects.filter(is_active=True).order_by("id")
    return list(rows.values_list("id", "events"))


def subscriptions_for(event: str) -> list[int]:
    """The ids of the active subscriptions that want `event`.

    Most helpdesks have no subscriber for most events, and every ticket and message asks:
    the active subscriptions are cached (`WEBHOOK_SUBSCRIPTIONS_CACHE_SECONDS`, dropped
    whenever one is saved or deleted), and an event nobody wants costs no query. When the
    cache says someone wants it, the database is asked afresh, so a delivery is never
    written for a subscription that was deactivated or deleted meanwhile.
    """
    try:
        cached = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    except Exception as error:  # the cache's errors vary by backend; the database decides
        logger.warning("Could not read the webhook subscriptions' cache (%s)", error)
        cached = None
    if cached is not None and not _wanting(cached, event):
        return []
    rows = _active_rows()
    if settings.WEBHOOK_SUBSCRIPTIONS_CACHE_SECONDS > 0:
        try:
            cache.set(SUBSCRIPTIONS_CACHE_KEY, rows, settings.WEBHOOK_SUBSCRIPTIONS_CACHE_SECONDS)
        except Exception as error:
            logger.warning("Could not cache the webhook subscriptions (%s)", error)
    return _wanting(rows, event)


def subscriptions_changed() -> None:
    """A subscription was saved or deleted: ask the database again (now, and after commit,
    so that no process keeps what it read before the change committed)."""

    def forget() -> None:
        try:
            cache.delete(SUBSCRIPTIONS_CACHE_KEY)
        except Exception as error:  # it expires by itself
            logger.warning("Could not clear the webhook subscriptions' cache (%s)", error)

    forget()
    transaction.on_commit(forget)


def webhook_queue(event: str, data: dict[str, Any], *, ticket_id: int | None) -> list[int]:
    """Queue `event` for every subscriber that wants it; the ids of the rows written."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    subscribers = subscriptions_for(event)
    if not subscribers:
        return []
    event_id = uuid.uuid4()
    body = event_body(event, event_id, data)
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription_id=subscription_id,
                event=event,
                event_id=event_id,
                ticket_id=ticket_id,
                payload=body,
            )
            for subscription_id in subscribers
        ]
    )
    transaction.on_commit(request_delivery)
    return [row.pk for row in rows]


def ticket_event_queue(event: str, ticket: Ticket) -> list[int]:
    return webhook_queue(event, {"ticket": ticket_data(ticket)}, ticket_id=ticket.pk)


def message_event_queue(message: Message) -> list[int]:
    ticket = message.ticket
    data = {"ticket": ticket_data(ticket), "message": message_data(message)}
    return webhook_queue(WebhookEvent.MESSAGE_CREATED, data, ticket_id=ticket.pk)


def escalation_update(row_ids: list[int], ticket: Ticket) -> None:
    """The escalation assigned the ticket after its status changed: the queued
    `ticket.escalated` bodies show who has it now (same transaction, not sent yet)."""
    for row in WebhookDelivery.objects.filter(id__in=row_ids, attempts=0):
        row.payload["data"]["ticket"] = ticket_data(ticket)
        row.save(update_fields=["payload"])


def webhook_test_queue(subscription: WebhookSubscription) -> WebhookDelivery:
    """A `webhook.test` event for one subscription (the admin's action), delivered like any
    other: to check the URL, the secret and the subscriber's answer."""
    event_id = uuid.uuid4()
    data = {
        "subscription": {"id": subscription.pk, "name": subscription.name},
        "message": "A test event from the helpdesk: nothing happened.",
    }
    row = WebhookDelivery.objects.create(
        subscription=subscription,
        event=TEST_EVENT,
        event_id=event_id,
        payload=event_body(TEST_EVENT, event_id, data),
    )
    transaction.on_commit(request_delivery)
    return row
