"""Agents correct what memory says: deleting a wrong memory, with an audit row.

The deletion itself reaches the memory backend through the mirror (a network
call belongs in the worker, not in the request), so it is as durable as every
other write to memory.
"""

from __future__ import annotations

from django.db import transaction

from customers.models import Customer, CustomerEvent
from helpdesk import worker
from tickets.models import MirrorEntry, Ticket, TicketEvent
from tickets.services import Actor, actor_or_none


@transaction.atomic
def memory_delete(
    *, customer: Customer, memory_id: str, text: str, source_ticket_id: int | None, actor: Actor
) -> MirrorEntry:
    """Queue the deletion of one memory of `customer` and record who asked for it."""
    source = (
        Ticket.objects.filter(pk=source_ticket_id, customer=customer).first()
        if source_ticket_id
        else None
    )
    note = f"Deleted memory: {text[:500]}"
    CustomerEvent.objects.create(
        customer=customer,
        actor=actor_or_none(actor),
        kind=CustomerEvent.Kind.MEMORY_DELETED,
        note=note,
    )
    if source is not None:
        TicketEvent.objects.create(
            ticket=source,
            actor=actor_or_none(actor),
            kind=TicketEvent.Kind.MEMORY_CHANGED,
            note=note,
        )
    entry = MirrorEntry.objects.create(
        customer=customer,
        kind=MirrorEntry.Kind.MEMORY_DELETED,
        payload={"memory_id": memory_id},
    )
    transaction.on_commit(worker.wake)
    return entry
