"""The in-process worker delivers what web requests queue, after they commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk.channels.models import OutgoingMail
from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.wakeup import request_delivery
from helpdesk.outbox import OutboxState
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.smtp_server import CUSTOMER, SmtpServer
from tests.waiting import wait_until
from tickets import services
from tickets.models import Ticket


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


@pytest.mark.django_db(transaction=True)
def test_the_same_worker_sends_an_email_reply_after_commit(
    running_worker: None, smtp_server: SmtpServer, evermemos_server: EverMemOSServer
) -> None:
    """One worker, one wake-up: the reply's commit wakes it, and it sends the mail as well
    as mirroring the messages."""
    customer = CustomerFactory(email=CUSTOMER)
    ticket = services.ticket_create(
        customer=customer, subject="Printer offline", channel=Ticket.Channel.EMAIL
    )
    services.message_record(ticket=ticket, role="customer", body="It is off")
    services.message_record(ticket=ticket, role="agent", body="Turn it on, please.")

    wait_until(
        lambda: OutgoingMail.objects.filter(state=OutboxState.DELIVERED).exists(),
        timeout=10,
        what="the worker to send the mail",
    )

    (mail,) = smtp_server.mailbox.mails
    assert mail["Subject"] == f"Re: Printer offline [{ticket.reference}]"
    assert "Turn it on, please." in mail.as_string()
