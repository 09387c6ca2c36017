"""Mirror every message, ticket opening and closing to the memory backend.

Receivers only write outbox rows (`MirrorEntry`) in the caller's transaction and ask the
worker to wake up once that transaction commits. They never call the network.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.outbox import (
    closing_payload,
    outbox_values,
    ticket_closing_payload,
    ticket_history_values,
)
from helpdesk.memory.wakeup import request_delivery
from helpdesk.rows import RowWriter
from tickets.models import Message, Ticket
from tickets.signals import (
    ImportedTicket,
    RecordedRow,
    messages_recorded,
    ticket_done,
    tickets_imported,
)

Kind = MirrorEntry.Kind


def _enqueue(*, ticket: Ticket, kind: str, message_id: int | None = None, **payload: Any) -> None:
    MirrorEntry.objects.create(
        **outbox_values(
            ticket_id=ticket.pk,
            customer_id=ticket.customer_id,
            kind=kind,
            message_id=message_id,
            payload=payload,
        )
    )
    transaction.on_commit(request_delivery)


@receiver(post_save, sender=Ticket, dispatch_uid="mirror_ticket_opened")
def mirror_ticket_opened(
    sender: type[Ticket], instance: Ticket, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        _enqueue(ticket=instance, kind=Kind.TICKET_OPENED)


@receiver(post_save, sender=Message, dispatch_uid="mirror_message")
def mirror_message(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    # Internal notes stay out of memory: what memory holds can reach drafts and the bot.
    if created and not raw and instance.role != Message.Role.NOTE:
        _enqueue(ticket=instance.ticket, kind=Kind.MESSAGE, message_id=instance.pk)


@receiver(ticket_done, dispatch_uid="mirror_ticket_closed")
def mirror_ticket_closed(sender: type[Ticket], ticket: Ticket, **kwargs: Any) -> None:
    _enqueue(ticket=ticket, kind=Kind.TICKET_CLOSED, **ticket_closing_payload(ticket))


@receiver(tickets_imported, dispatch_uid="mirror_tickets_imported")
def mirror_tickets_imported(
    sender: type[Ticket], tickets: list[ImportedTicket], writer: RowWriter, **kwargs: Any
) -> int:
    """Queue what the bulk import wrote, as the receivers above would have, in one statement."""
    rows = [
        entry
        for ticket in tickets
        for entry in ticket_history_values(
            ticket_id=ticket.ticket_id,
            customer_id=ticket.customer_id,
            message_ids=ticket.message_ids,
            closing=closing_payload(status=ticket.status, closed_at=ticket.closed_at, sequence=1)
            if ticket.status in Ticket.DONE_STATUSES
            else None,
        )
    ]
    written = writer.insert_values(MirrorEntry, rows)
    transaction.on_commit(request_delivery)
    return written


@receiver(messages_recorded, dispatch_uid="mirror_messages_recorded")
def mirror_messages_recorded(
    sender: type[Message], messages: list[RecordedRow], writer: RowWriter, **kwargs: Any
) -> int:
    """Queue a batch's messages, one entry each as `mirror_message` would, in one statement."""
    rows = [
        outbox_values(
            ticket_id=message.ticket_id,
            customer_id=message.customer_id,
            kind=Kind.MESSAGE,
            message_id=message.message_id,
        )
        for message in messages
        if message.role != Message.Role.NOTE  # as mirror_message: notes stay out of memory
    ]
    written = writer.insert_values(MirrorEntry, rows)
    transaction.on_commit(request_delivery)
    return written
