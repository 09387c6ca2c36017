"""Mirror every message, ticket opening and closing to the memory backend.

Receivers only write a `MirrorEntry` in the caller's transaction and ask the
worker to wake up once that transaction commits. They never call the network.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from helpdesk.memory import worker
from helpdesk.memory.models import MirrorEntry
from tickets.models import Message, Ticket
from tickets.signals import ticket_done


def _enqueue(*, ticket: Ticket, kind: str, message: Message | None = None, **payload: Any) -> None:
    MirrorEntry.objects.create(
        ticket=ticket, customer_id=ticket.customer_id, message=message, kind=kind, payload=payload
    )
    transaction.on_commit(worker.wake)


@receiver(post_save, sender=Ticket, dispatch_uid="mirror_ticket_opened")
def mirror_ticket_opened(
    sender: type[Ticket], instance: Ticket, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        _enqueue(ticket=instance, kind=MirrorEntry.Kind.TICKET_OPENED)


@receiver(post_save, sender=Message, dispatch_uid="mirror_message")
def mirror_message(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:
        _enqueue(ticket=instance.ticket, kind=MirrorEntry.Kind.MESSAGE, message=instance)


def closing_payload(ticket: Ticket) -> dict[str, Any]:
    """What a closing entry carries: the status, when, and the how-many-th closing it is."""
    return {
        "status": ticket.status,
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "sequence": ticket.mirror_entries.filter(kind=MirrorEntry.Kind.TICKET_CLOSED).count() + 1,
    }


@receiver(ticket_done, dispatch_uid="mirror_ticket_closed")
def mirror_ticket_closed(sender: type[Ticket], ticket: Ticket, **kwargs: Any) -> None:
    _enqueue(ticket=ticket, kind=MirrorEntry.Kind.TICKET_CLOSED, **closing_payload(ticket))
