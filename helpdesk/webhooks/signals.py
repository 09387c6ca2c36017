"""Receivers that queue webhook events in the transaction of their cause.

- `ticket.created`: a ticket saved for the first time.
- `message.created`: a message saved for the first time (any role).
- `ticket.escalated`: the ticket's status changed to "escalated" (the escalation service, or
  a status change by hand); when the escalation then assigns it (the "escalated" trail event,
  same transaction), the queued body is brought up to date with the assignee.
- `ticket.closed`: the ticket went from an active status to resolved or closed
  (`tickets.signals.ticket_done`; the body's status says which).

A batch of messages (`messages_recorded`) fires `message.created` for each. Fixtures (`raw`)
and the bulk import (which sends `tickets_imported`, no model signals) fire
no webhooks: an import is history, not news.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from helpdesk.webhooks.events import (
    escalation_update,
    message_event_queue,
    subscriptions_changed,
    subscriptions_for,
    ticket_event_queue,
)
from helpdesk.webhooks.models import WebhookEvent, WebhookSubscription
from tickets.models import Message, Ticket, TicketEvent
from tickets.signals import RecordedRow, messages_recorded, ticket_done

# Set on the ticket instance when its escalation's rows are queued, for the "escalated"
# trail event that follows in the same transaction (the same instance) to update them.
_ESCALATION_ROWS = "_webhook_escalation_rows"


def ticket_created(
    sender: type[Ticket], instance: Ticket, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        ticket_event_queue(WebhookEvent.TICKET_CREATED, instance)


def message_created(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        message_event_queue(instance)


def batch_messages_created(
    sender: type[Message], messages: list[RecordedRow], **kwargs: Any
) -> None:
    """A batch of messages (POST /api/messages/batch/) fires no post_save: each of its
    messages is a `message.created` here, as one posted alone would be."""
    if not subscriptions_for(WebhookEvent.MESSAGE_CREATED):
        return
    ids = [row.message_id for row in messages]
    for message in (
        Message.objects.filter(pk__in=ids)
        .select_related("ticket__customer", "ticket__assigned_to", "author")
        .order_by("id")
    ):
        message_event_queue(message)


def ticket_escalated(
    sender: type[TicketEvent],
    instance: TicketEvent,
    created: bool,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if not created or raw:
        return
    ticket = instance.ticket
    if (
        instance.kind == TicketEvent.Kind.STATUS_CHANGED
        and instance.new_value == Ticket.Status.ESCALATED
        and instance.old_value != Ticket.Status.ESCALATED
    ):
        setattr(ticket, _ESCALATION_ROWS, ticket_event_queue(WebhookEvent.TICKET_ESCALATED, ticket))
    elif instance.kind == TicketEvent.Kind.ESCALATED:
        rows = getattr(ticket, _ESCALATION_ROWS, None)
        if rows:
            escalation_update(rows, ticket)
            setattr(ticket, _ESCALATION_ROWS, None)


def ticket_closed(sender: type[Ticket], ticket: Ticket, **kwargs: Any) -> None:
    ticket_event_queue(WebhookEvent.TICKET_CLOSED, ticket)


def subscription_changed(sender: type[WebhookSubscription], **kwargs: Any) -> None:
    subscriptions_changed()


def connect() -> None:
    for signal, uid in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            subscription_changed, sender=WebhookSubscription, dispatch_uid=f"webhook_sub_{uid}"
        )
    post_save.connect(ticket_created, sender=Ticket, dispatch_uid="webhook_ticket_created")
    post_save.connect(message_created, sender=Message, dispatch_uid="webhook_message_created")
    messages_recorded.connect(batch_messages_created, dispatch_uid="webhook_batch_messages")
    post_save.connect(ticket_escalated, sender=TicketEvent, dispatch_uid="webhook_ticket_escalated")
    ticket_done.connect(ticket_closed, dispatch_uid="webhook_ticket_closed")
