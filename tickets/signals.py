"""Signals the ticket services send, for the layers above to react to (the memory mirror)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the services when a ticket moves from an active status to resolved or closed,
# inside the transaction that moved it: `ticket_done.send(sender=Ticket, ticket=ticket)`.
ticket_done = Signal()
