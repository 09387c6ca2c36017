"""Shared steps of the memory tests: build a history through the services, deliver the mirror."""

from __future__ import annotations

from django.utils import timezone

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import DeliveryReport, mirror_deliver_due
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tickets import services
from tickets.models import Message, Ticket


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


def conversation(subject: str, count: int) -> tuple[Ticket, list[Message]]:
    """A new customer's open ticket with `count` messages, customer and agent in turn."""
    ticket = services.ticket_create(customer=CustomerFactory(), subject=subject)
    messages = [
        services.message_record(
            ticket=ticket,
            role=Message.Role.CUSTOMER if index % 2 == 0 else Message.Role.AGENT,
            body=f"{subject}, message {index}",
        ).message
        for index in range(count)
    ]
    return ticket, messages


def stored_ids(server: EverMemOSServer | EverMemOSV1Server, ticket: Ticket) -> list[str]:
    """The message ids the loopback EverMemOS stored for the ticket's group, in order."""
    return [message["message_id"] for message in server.messages(ids.group_id(ticket.pk))]
