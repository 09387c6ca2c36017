"""Agents correct what memory says: delete a wrong memory, or replace it with a note.

The deletion reaches the memory backend through the mirror (a network call
belongs in the worker, not in the request), so it is as durable as every other
write to memory. A correction is our own record, an agent note (`AgentNote`) kept in
this database and shown first in the profile whichever backend runs; the memory it
replaces is deleted as above. Deleting an agent note deletes it here. Both leave an
audit row.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import Customer, CustomerEvent
from helpdesk.memory.models import AgentNote, MirrorEntry
from helpdesk.memory.wakeup import request_delivery
from tickets.models import Ticket, TicketEvent
from tickets.services import Actor, actor_or_none

NOTE_MAX_LENGTH = 500


def _own_ticket(customer: Customer, ticket_id: int | None) -> Ticket | None:
    return Ticket.objects.filter(pk=ticket_id, customer=customer).first() if ticket_id else None


@transaction.atomic
def memory_delete(
    *,
    customer: Customer,
    memory_id: str,
    text: str,
    source_ticket_id: int | None,
    actor: Actor,
    note: str = "",
) -> MirrorEntry | None:
    """Queue the deletion of one memory of `customer` (or delete an agent note of theirs) and
    record who asked for it. Returns the outbox entry, if the backend is to be told."""
    source = _own_ticket(customer, source_ticket_id)
    kind = CustomerEvent.Kind.MEMORY_CORRECTED if note else CustomerEvent.Kind.MEMORY_DELETED
    note = note or f"Deleted memory: {text[:500]}"
    CustomerEvent.objects.create(
        customer=customer, actor=actor_or_none(actor), kind=kind, note=note
    )
    if source is not None:
        TicketEvent.objects.create(
            ticket=source,
            actor=actor_or_none(actor),
            kind=TicketEvent.Kind.MEMORY_CHANGED,
            note=note,
        )
    note_pk = AgentNote.pk_from_memory_id(memory_id)
    if note_pk is not None:
        AgentNote.objects.filter(customer=customer, pk=note_pk).delete()
        return None
    entry = MirrorEntry.objects.create(
        customer=customer,
        kind=MirrorEntry.Kind.MEMORY_DELETED,
        payload={"memory_id": memory_id},
    )
    transaction.on_commit(request_delivery)
    return entry


@transaction.atomic
def memory_correct(
    *,
    customer: Customer,
    memory_id: str,
    text: str,
    corrected_text: str,
    source_ticket_id: int | None,
    actor: Actor,
) -> AgentNote:
    """Replace a wrong memory with an agent's note, and delete the wrong one."""
    corrected_text = " ".join(corrected_text.split())
    if not corrected_text:
        raise ValidationError({"corrected_text": "Write what is true instead."})
    if len(corrected_text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"corrected_text": f"A note is at most {NOTE_MAX_LENGTH} characters."}
        )
    note = AgentNote.objects.create(
        customer=customer, ticket=_own_ticket(customer, source_ticket_id), text=corrected_text
    )
    memory_delete(
        customer=customer,
        memory_id=memory_id,
        text=text,
        source_ticket_id=source_ticket_id,
        actor=actor,
        note=f"Corrected memory: {text[:300]} → {corrected_text}",
    )
    return note
