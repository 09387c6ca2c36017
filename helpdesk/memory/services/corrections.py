"""Agents correct what memory says: delete a wrong memory, or replace it with a note.

The deletion reaches the memory backend through the mirror (a network call
belongs in the worker, not in the request), so it is as durable as every other
write to memory. A correction is our own record, an agent note (`AgentNote`) kept in
this database and shown first in the profile whichever backend runs; the memory it
replaces is deleted as above. Deleting an agent note deletes it here. Both leave an
audit row. Only a memory this customer has can be deleted or corrected: its id must be
one of their agent notes or one the backend shows for them, and the audit row holds that
memory's own text, never what the form said it was.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import Customer, CustomerEvent
from helpdesk.memory.models import AgentNote, MirrorEntry
from helpdesk.memory.selectors.context import customer_memory_text
from helpdesk.memory.types import MemoryBackendError
from helpdesk.memory.wakeup import request_delivery
from tickets.models import Ticket, TicketEvent
from tickets.services import Actor, actor_or_none

NOTE_MAX_LENGTH = 500


def _own_ticket(customer: Customer, ticket_id: int | None) -> Ticket | None:
    return Ticket.objects.filter(pk=ticket_id, customer=customer).first() if ticket_id else None


def _memory_text(*, customer: Customer, memory_id: str, hint: str, source: Ticket | None) -> str:
    """The text of the customer's memory `memory_id`; a ValidationError if they have none."""
    try:
        text = customer_memory_text(
            customer_id=customer.pk,
            memory_id=memory_id,
            hint=hint,
            ticket_id=source.pk if source else None,
        )
    except MemoryBackendError as error:
        raise ValidationError(
            {"memory_id": "Memory cannot be read right now, so nothing was changed. Try again."}
        ) from error
    if text is None:
        raise ValidationError(
            {"memory_id": "This customer has no such memory (it may be gone already)."}
        )
    return text


def memory_delete(
    *,
    customer: Customer,
    memory_id: str,
    text: str,
    source_ticket_id: int | None,
    actor: Actor,
) -> MirrorEntry | None:
    """Queue the deletion of one memory of `customer` (or delete an agent note of theirs) and
    record who asked for it. Returns the outbox entry, if the backend is to be told.

    `text` is what the page showed; it only helps find the memory. A ValidationError if the
    customer has no memory `memory_id`; then nothing is recorded."""
    source = _own_ticket(customer, source_ticket_id)
    # Read before the transaction: the backend may be a service over the network.
    text = _memory_text(customer=customer, memory_id=memory_id, hint=text, source=source)
    with transaction.atomic():
        return _forget(
            customer=customer,
            memory_id=memory_id,
            source=source,
            actor=actor,
            kind=CustomerEvent.Kind.MEMORY_DELETED,
            note=f"Deleted memory: {text[:500]}",
        )


def _forget(
    *,
    customer: Customer,
    memory_id: str,
    source: Ticket | None,
    actor: Actor,
    kind: CustomerEvent.Kind,
    note: str,
) -> MirrorEntry | None:
    """Delete a memory known to be the customer's, with audit rows of `kind` saying `note`."""
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


def memory_correct(
    *,
    customer: Customer,
    memory_id: str,
    text: str,
    corrected_text: str,
    source_ticket_id: int | None,
    actor: Actor,
) -> AgentNote:
    """Replace a wrong memory with an agent's note, and delete the wrong one.

    `text` only helps find the memory, as for `memory_delete`; a ValidationError if the
    customer has no memory `memory_id` or the note is empty or too long."""
    corrected_text = " ".join(corrected_text.split())
    if not corrected_text:
        raise ValidationError({"corrected_text": "Write what is true instead."})
    if len(corrected_text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"corrected_text": f"A note is at most {NOTE_MAX_LENGTH} characters."}
        )
    source = _own_ticket(customer, source_ticket_id)
    # Read before the transaction: the backend may be a service over the network.
    text = _memory_text(customer=customer, memory_id=memory_id, hint=text, source=source)
    with transaction.atomic():
        note = AgentNote.objects.create(customer=customer, ticket=source, text=corrected_text)
        _forget(
            customer=customer,
            memory_id=memory_id,
            source=source,
            actor=actor,
            kind=CustomerEvent.Kind.MEMORY_CORRECTED,
            note=f"Corrected memory: {text[:300]} → {corrected_text}",
        )
    return note
