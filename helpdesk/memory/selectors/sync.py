"""How far the mirror has got: what waits, retries or failed, for a customer, a ticket or all."""

from __future__ import annotations

from helpdesk.memory.models import MirrorEntry
from helpdesk.outbox import OutboxFigures, outbox_state

State = MirrorEntry.State


# The shared outbox's figures (`helpdesk.outbox.OutboxFigures`), under the mirror's name.
MirrorState = OutboxFigures


def mirror_state(*, customer_id: int | None = None, ticket_id: int | None = None) -> MirrorState:
    entries = MirrorEntry.objects.all()
    if customer_id is not None:
        entries = entries.filter(customer_id=customer_id)
    if ticket_id is not None:
        entries = entries.filter(ticket_id=ticket_id)
    return outbox_state(entries)
