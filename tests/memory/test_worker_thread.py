"""The in-process worker delivers what web requests queue, after they commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.wakeup import request_delivery
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.waiting import wait_until
from tickets import services


@pytest.fixture
def running_worker(settings, evermemos_server: EverMemOSServer) -> Iterator[None]:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    worker.enable()
    yield
    worker.stop()


@pytest.mark.django_db(transaction=True)
def test_worker_thread_delivers_after_commit(
    running_worker: None, evermemos_server: EverMemOSServer
) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    message = services.message_record(ticket=ticket, role="customer", body="It is off").message

    wait_until(
        lambda: not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists(),
        timeout=10,
        what="the worker to deliver",
    )

    stored = evermemos_server.messages(ids.group_id(ticket.pk))
    assert [m["message_id"] for m in stored] == [ids.message_id(message.pk)]


def test_wake_does_nothing_in_a_process_without_the_worker(monkeypatch) -> None:
    started = []
    monkeypatch.setattr(worker, "start", lambda: started.append(True))
    request_delivery()
    assert started == []
