"""What one outbox entry tells the memory backend: the event, built from our rows, masked.

Secrets never leave (`outgoing_text`); contact details leave unless `MEMORY_MASK_CONTACTS`
says otherwise. Ids are the backends' opaque strings (`helpdesk.memory.ids`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from customers.services import erasure_memory_kept
from helpdesk.memory import ids
from helpdesk.memory.backends.base import BatchDelivery, MemoryBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.outgoing import outgoing_customer_name, outgoing_text
from helpdesk.memory.types import (
    DeliveryOutcome,
    MessagePosted,
    Participant,
    Speaker,
    TicketClosed,
    TicketOpened,
    TicketQuiet,
)
from tickets.models import Message, Ticket


def _customer_participant(ticket: Ticket) -> Participant:
    name = outgoing_customer_name(ticket.customer)
    return Participant(id=ids.customer_id(ticket.customer_id), name=name, speaker=Speaker.USER)


def _group_name(ticket: Ticket) -> str:
    # The subject masked on its own: a reference before it can hide a number's start.
    return f"{ticket.reference} {outgoing_text(ticket.subject, ticket.customer)}"


def _sender(message: Message) -> Participant:
    if message.role == Message.Role.CUSTOMER:
        return _customer_participant(message.ticket)
    if message.role == Message.Role.AGENT and message.author_id:
        return Participant(
            id=ids.agent_sender(message.author_id),
            name=message.display_author,
            speaker=Speaker.ASSISTANT,
        )
    if message.role == Message.Role.AGENT:
        return Participant(
            id="assistant_agent", name=message.display_author, speaker=Speaker.ASSISTANT
        )
    return Participant(id=ids.BOT_SENDER, name=message.display_author, speaker=Speaker.ASSISTANT)


def message_event(entry: MirrorEntry) -> MessagePosted:
    """The event of a message entry (its ticket and message loaded with it)."""
    (event,) = message_events([entry])
    return event


def message_events(entries: Sequence[MirrorEntry]) -> list[MessagePosted]:
    """The events of message entries (each with its ticket and message loaded); a ticket's
    subject and group name are masked once for all its messages."""
    masked: dict[int, tuple[str, str]] = {}
    events = []
    for entry in entries:
        ticket, message = entry.ticket, entry.message
        assert ticket is not None  # guaranteed by a check constraint  # noqa: S101
        assert message is not None  # guaranteed by a check constraint  # noqa: S101
        message.ticket = ticket
        if ticket.pk not in masked:
            subject = outgoing_text(ticket.subject, ticket.customer)
            masked[ticket.pk] = (f"{ticket.reference} {subject}", subject)  # `_group_name`
        group_name, subject = masked[ticket.pk]
        events.append(
            MessagePosted(
                message_id=ids.message_id(message.pk),
                group_id=ids.group_id(ticket.pk),
                group_name=group_name,
                ticket_id=ticket.pk,
                customer_id=ids.customer_id(ticket.customer_id),
                sender=_sender(message),
                content=outgoing_text(message.body, ticket.customer),
                created_at=message.created_at,
                subject=subject,
            )
        )
    return events


def maybe_sent(entries: Sequence[MirrorEntry]) -> bool:
    """Whether an earlier try of these entries may have reached the backend: one of them was
    claimed before (its send failed, maybe after the request went out, or its worker died).
    A backend that does not de-duplicate then looks for them before sending them again; a
    batch counts as a whole (an opened entry too: the messages went with it)."""
    return any(entry.attempts > 1 for entry in entries)


def ticket_opened_event(ticket: Ticket, *, group_name: str, subject: str) -> TicketOpened:
    """The event of a ticket's opened entry; `group_name` and `subject` already masked."""
    return TicketOpened(
        group_id=ids.group_id(ticket.pk),
        ticket_id=ticket.pk,
        customer_id=ids.customer_id(ticket.customer_id),
        name=group_name,
        created_at=ticket.created_at,
        participants=(_customer_participant(ticket),),
        subject=subject,
    )


def mirror_send(entry: MirrorEntry, backend: MemoryBackend) -> DeliveryOutcome:
    """Tell the backend what one entry says; records nothing (see `mirror_deliver`)."""
    if entry.kind == MirrorEntry.Kind.CUSTOMER_ERASED:
        forgotten = backend.forget_customer(customer_id=entry.payload["customer"])
        erasure_memory_kept(memory_entry_id=entry.pk, kept=forgotten.kept)
        return DeliveryOutcome.DELIVERED
    if entry.kind == MirrorEntry.Kind.MEMORY_DELETED:
        customer_pk = entry.customer_id
        assert customer_pk is not None  # guaranteed by a check constraint  # noqa: S101
        backend.delete_memory(
            customer_id=ids.customer_id(customer_pk), memory_id=entry.payload["memory_id"]
        )
        return DeliveryOutcome.DELIVERED
    ticket = entry.ticket
    assert ticket is not None  # guaranteed by a check constraint  # noqa: S101
    group = ids.group_id(ticket.pk)
    customer = ids.customer_id(ticket.customer_id)
    if entry.kind == MirrorEntry.Kind.TICKET_OPENED:
        subject = outgoing_text(ticket.subject, ticket.customer)
        return backend.deliver_ticket_opened(
            ticket_opened_event(ticket, group_name=_group_name(ticket), subject=subject)
        )
    if entry.kind == MirrorEntry.Kind.MESSAGE:
        if isinstance(backend, BatchDelivery):
            (outcome,) = backend.deliver_messages(
                [message_event(entry)], maybe_sent=maybe_sent([entry])
            )
            return outcome
        return backend.deliver_message(message_event(entry))
    if entry.kind == MirrorEntry.Kind.TICKET_QUIET:
        return backend.deliver_ticket_quiet(
            TicketQuiet(
                group_id=group,
                ticket_id=ticket.pk,
                customer_id=customer,
                message_id=ids.quiet_message_id(ticket.pk, int(entry.payload["last_message"])),
                quiet_since=datetime.datetime.fromisoformat(entry.payload["quiet_since"]),
            )
        )
    closed_at = entry.payload.get("closed_at")
    return backend.deliver_ticket_closed(
        TicketClosed(
            group_id=group,
            ticket_id=ticket.pk,
            customer_id=customer,
            status=entry.payload.get("status", ticket.status),
            closed_at=datetime.datetime.fromisoformat(closed_at) if closed_at else entry.created_at,
            sequence=int(entry.payload.get("sequence", 1)),
        )
    )
