"""Shared steps of the memory tests: build a history through the services, deliver the mirror."""

from __future__ import annotations

from django.utils import timezone

from customers.models import Customer
from helpdesk.memory import get_backend
from helpdesk.memory.backend import MemoryBackend
from tickets import services
from tickets.mirror import DeliveryReport, mirror_deliver_due
from tickets.models import Message, MirrorEntry, Ticket


def deliver_all(backend: MemoryBackend | None = None, *, passes: int = 50) -> DeliveryReport:
    """Deliver until nothing is left, making every backed-off retry due at once."""
    backend = backend or get_backend()
    total = DeliveryReport()
    for _ in range(passes):
        MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING).update(
            next_attempt_at=timezone.now()
        )
        report = mirror_deliver_due(backend, limit=500)
        total += report
        if not report.attempted:
            break
    return total


def ticket_with_messages(
    customer: Customer, subject: str, bodies: list[str], *, close: bool = True
) -> Ticket:
    """A ticket whose messages alternate customer, agent, customer...; resolved if `close`."""
    ticket = services.ticket_create(customer=customer, subject=subject)
    for index, body in enumerate(bodies):
        role = Message.Role.CUSTOMER if index % 2 == 0 else Message.Role.AGENT
        services.message_record(ticket=ticket, role=role, body=body)
    if close:
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
    return ticket
