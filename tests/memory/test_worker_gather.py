"""The in-process worker takes a stream of messages in batches, not one claim per message."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services import mirror
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tickets import services


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each of the worker's passes delivered (empty passes left out)."""
    attempted: list[int] = []
    deliver_due = mirror.mirror_deliver_due

    def counted(*args: Any, **kwargs: Any) -> mirror.DeliveryReport:
        report = deliver_due(*args, **kwargs)
        if report.attempted:
            attempted.append(report.attempted)
        return report

    monkeypatch.setattr(mirror, "mirror_deliver_due", counted)
    return attempted


@pytest.fixture
def running_worker(settings, evermemos_server: EverMemOSServer) -> Iterator[None]:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    yield
    worker.stop()


def _wait_until_delivered() -> None:
    deadline = time.monotonic() + 20
    while MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists():
        assert time.monotonic() < deadline, "the worker did not deliver"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_the_first_entry_at_once_and_gathers_the_next(
    running_worker: None, passes: list[int], settings
) -> None:
    # Long enough that the messages below are all written before the worker looks again.
    settings.MIRROR_WORKER_GATHER_SECONDS = 2.0
    customer = CustomerFactory()
    tickets = [services.ticket_create(customer=customer, subject=f"Printer {n}") for n in range(5)]
    worker.enable()
    _wait_until_delivered()  # five tickets' opening entries: one pass
    services.message_record(ticket=tickets[0], role="customer", body="Still off")
    _wait_until_delivered()  # wait for the first pass

    for ticket in tickets:
        services.message_record(ticket=ticket, role="customer", body="It is off again")
    _wait_until_delivered()

    assert passes == [5, 1, 5]


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_one_tickets_entries_in_order(
    running_worker: None, evermemos_server: EverMemOSServer
) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    messages = [
        services.message_record(ticket=ticket, role="customer", body=f"Still off ({n})").message
        for n in range(3)
    ]
    worker.enable()
    _wait_until_delivered()

    stored = evermemos_server.messages(ids.group_id(ticket.pk))
    assert [m["message_id"] for m in stored] == [ids.message_id(m.pk) for m in messages]
