"""Every message, ticket opening and closing writes a mirror entry in the same transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.wakeup import delivery_requested
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.mirror_entries.order_by("id").values_list("kind", flat=True))


def test_ticket_and_messages_are_queued_in_order() -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    first = services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="Hi").message
    services.message_record(ticket=ticket, role=Message.Role.AGENT, body="Hello")

    assert kinds(ticket) == ["ticket_opened", "message", "message"]
    entry = ticket.mirror_entries.get(message=first)
    assert entry.customer_id == ticket.customer_id
    assert entry.state == MirrorEntry.State.PENDING


def test_repeated_external_id_queues_nothing_more() -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    for _ in range(3):
        services.message_record(ticket=ticket, role="customer", body="Hi", external_id="m-1")

    assert kinds(ticket).count("message") == 1


def test_closing_queues_a_closing_entry_each_time_the_ticket_ends() -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
    services.ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=None)  # still done
    services.ticket_change_status(ticket=ticket, status=Ticket.Status.OPEN, actor=None)
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)

    closings = ticket.mirror_entries.filter(kind=MirrorEntry.Kind.TICKET_CLOSED).order_by("id")
    assert [entry.payload["sequence"] for entry in closings] == [1, 2]
    assert closings[0].payload["status"] == "resolved"


def test_a_rolled_back_message_leaves_no_entry() -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")

    def record_then_fail() -> None:
        with transaction.atomic():
            services.message_record(ticket=ticket, role="customer", body="Lost")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        record_then_fail()

    assert not Message.objects.exists()
    assert kinds(ticket) == ["ticket_opened"]


def test_delivery_is_requested_only_after_commit(django_capture_on_commit_callbacks) -> None:
    woken = []

    def listener(**kwargs: object) -> None:
        woken.append(True)

    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    delivery_requested.connect(listener, weak=False, dispatch_uid="test_listener")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.message_record(ticket=ticket, role="customer", body="Hi")
            assert woken == []

        for callback in callbacks:
            callback()
    finally:
        delivery_requested.disconnect(dispatch_uid="test_listener")
    assert woken == [True]
