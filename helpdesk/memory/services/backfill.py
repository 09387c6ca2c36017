"""Mirror history that predates the mirror (or was written while it was off).

Tickets are handled in id order, each in its own transaction, so an
interrupted backfill resumes where it stopped: a ticket that already has its
"opened" entry is skipped unless `everything` asks to send it all again (after
switching memory backends; the backends drop what they already hold).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.outbox import ticket_closing_payload, ticket_history_values
from helpdesk.memory.wakeup import request_delivery
from tickets.models import Message, Ticket


def backfill_candidates(*, everything: bool = False, after_ticket: int = 0) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(pk__gt=after_ticket).order_by("pk")
    if everything:
        return tickets
    opened = MirrorEntry.objects.filter(ticket=OuterRef("pk"), kind=MirrorEntry.Kind.TICKET_OPENED)
    return tickets.exclude(Exists(opened))


def _entries_for(ticket: Ticket) -> list[MirrorEntry]:
    message_ids = Message.objects.conversation().filter(ticket=ticket).order_by("created_at", "id")
    values = ticket_history_values(
        ticket_id=ticket.pk,
        customer_id=ticket.customer_id,
        message_ids=list(message_ids.values_list("pk", flat=True)),
        closing=ticket_closing_payload(ticket) if ticket.is_done else None,
    )
    return [MirrorEntry(**entry) for entry in values]


def mirror_backfill(
    *,
    everything: bool = False,
    after_ticket: int = 0,
    on_ticket: Callable[[Ticket, int], None] | None = None,
) -> int:
    """Queue mirror entries for past tickets; returns how many entries were written."""
    written = 0
    for ticket in backfill_candidates(everything=everything, after_ticket=after_ticket).iterator():
        with transaction.atomic():
            entries = MirrorEntry.objects.bulk_create(_entries_for(ticket))
        written += len(entries)
        if on_ticket is not None:
            on_ticket(ticket, len(entries))
    if written:
        request_delivery()
    return written
