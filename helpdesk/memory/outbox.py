"""What goes into the mirror's outbox for each thing that happens to a ticket.

One definition for every path that queues entries: the signal receivers (one row at a
time), the bulk import's receiver (many rows per statement) and the backfill command.
"""

from __future__ import annotations

import datetime
from typing import Any

from helpdesk.memory.models import MirrorEntry
from tickets.models import Ticket

Kind = MirrorEntry.Kind


def outbox_values(
    *,
    ticket_id: int,
    customer_id: int,
    kind: str,
    message_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The fields of one outbox entry; the rest (state, attempts, times) take their defaults."""
    return {
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "message_id": message_id,
        "kind": kind,
        "payload": payload or {},
    }


def closing_payload(
    *, status: str, closed_at: datetime.datetime | None, sequence: int
) -> dict[str, Any]:
    """What a closing entry carries: the status, when, and the how-many-th closing it is."""
    return {
        "status": status,
        "closed_at": closed_at.astimezone(datetime.UTC).isoformat() if closed_at else None,
        "sequence": sequence,
    }


def ticket_closing_payload(ticket: Ticket) -> dict[str, Any]:
    """The closing payload of a ticket that has just been resolved or closed (again)."""
    earlier = MirrorEntry.objects.filter(ticket=ticket, kind=Kind.TICKET_CLOSED).count()
    return closing_payload(status=ticket.status, closed_at=ticket.closed_at, sequence=earlier + 1)


def ticket_history_values(
    *,
    ticket_id: int,
    customer_id: int,
    message_ids: list[int] | tuple[int, ...],
    closing: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """A whole ticket's entries in the order its receivers would queue them one by one:
    opened, each message, then closed (when `closing` says how)."""

    def entry(kind: str, **extra: Any) -> dict[str, Any]:
        return outbox_values(ticket_id=ticket_id, customer_id=customer_id, kind=kind, **extra)

    entries = [entry(Kind.TICKET_OPENED)]
    entries += [entry(Kind.MESSAGE, message_id=pk) for pk in message_ids]
    if closing is not None:
        entries.append(entry(Kind.TICKET_CLOSED, payload=closing))
    return entries
