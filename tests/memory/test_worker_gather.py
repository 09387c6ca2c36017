"""The in-process worker takes a stream of messages in batches, not one claim per message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services import mirror
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.waiting import wait_until
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


class HeldPauses(threading.Event):
    """The worker's stop event, whose timed waits (the pause after a pass that did not fill
    its batch) last until the test lets the worker go on, however long they asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = threading.Event()  # set while the worker pauses
        self.lengths: list[float | None] = []  # the pause each wait asked for
        self._go_on = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        if self.is_set():
            return True
        self.lengths.append(timeout)
        self.paused.set()
        self._go_on.wait()
        self._go_on.clear()
        return self.is_set()

    def go_on(self) -> None:
        """End the pause: the worker makes its next pass."""
        self.paused.clear()
        self._go_on.set()

    def set(self) -> None:  # the worker is stopped
        super().set()
        self._go_on.set()


@pytest.fixture
def held_pauses(monkeypatch: pytest.MonkeyPatch) -> HeldPauses:
    """The worker started from now on pauses between passes until the test says so."""
    pauses = HeldPauses()

    class Worker(worker.MirrorWorker):
        def __init__(self) -> None:
            super().__init__()
            self._stopping = pauses

    monkeypatch.setattr(worker, "MirrorWorker", Worker)
    return pauses


def all_delivered() -> bool:
    return not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_the_first_entry_at_once_and_gathers_the_next(
    running_worker: None, passes: list[int], held_pauses: HeldPauses, settings
) -> None:
    # Only recorded: the pauses last until the test ends them, so what is written during one
    # is written before the worker looks again, however slow the machine.
    settings.MIRROR_WORKER_GATHER_SECONDS = 30.0
    customer = CustomerFactory()
    tickets = [services.ticket_create(customer=customer, subject=f"Printer {n}") for n in range(5)]
    worker.enable()
    wait_until(held_pauses.paused.is_set, timeout=20, what="the first pass")
    assert passes == [5]  # five tickets' opening entries: one pass, at once

    services.message_record(ticket=tickets[0], role="customer", body="Still off")
    held_pauses.go_on()
    wait_until(held_pauses.paused.is_set, timeout=20, what="the second pass")
    assert passes == [5, 1]

    for ticket in tickets:  # while the worker pauses
        services.message_record(ticket=ticket, role="customer", body="It is off again")
    held_pauses.go_on()
    wait_until(held_pauses.paused.is_set, timeout=20, what="the third pass")

    assert passes == [5, 1, 5]
    assert held_pauses.lengths == [30.0, 30.0, 30.0]
    assert all_delivered()


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
    wait_until(all_delivered, timeout=20, what="the worker to deliver")

    stored = evermemos_server.messages(ids.group_id(ticket.pk))
    assert [m["message_id"] for m in stored] == [ids.message_id(m.pk) for m in messages]
