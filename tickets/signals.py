"""Signals the ticket services send, for the layers above to react to (the memory mirror).

All are sent inside the transaction that made the change, so that what a receiver writes
commits or rolls back with it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.dispatch import Signal

# A ticket moved from an active status to resolved or closed:
# `ticket_done.send(sender=Ticket, ticket=ticket)`.
ticket_done = Signal()

# Rows written by the bulk import, for which no model signal fired:
# `tickets_imported.send(sender=Ticket, tickets=[ImportedTicket, ...], writer=RowWriter)`.
# A receiver returns how many rows of its own it wrote.
tickets_imported = Signal()


@dataclass(frozen=True)
class ImportedTicket:
    ticket_id: int
    customer_id: int
    message_ids: tuple[int, ...]  # in the order they were written (by time)
    status: str
    closed_at: datetime.datetime | None  # when it was resolved or closed, else None


# Messages written many rows per statement by `message_record_batch`, for which no model
# signal fired: `messages_recorded.send(sender=Message, messages=[RecordedRow, ...],
# writer=RowWriter)`. A receiver returns how many rows of its own it wrote.
messages_recorded = Signal()


@dataclass(frozen=True)
class RecordedRow:
    ticket_id: int
    customer_id: int
    message_id: int
    role: str
