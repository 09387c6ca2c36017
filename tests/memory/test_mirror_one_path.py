"""The one send-and-record path of the mirror, against the v1 loopback server (which stores a
re-sent message twice): what a rejected or broken batch does, and the pass's recording."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.memory import ids
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import mirror_claim, mirror_deliver, mirror_deliver_due
from helpdesk.memory.types import DeliveryOutcome, MessagePosted
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.mirror_helpers import conversation, deliver_all, stored_ids
from tickets import services
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.parametrize("mirror_server", ["v1"], indirect=True),
]

State = MirrorEntry.State


def adds(server: EverMemOSV1Server) -> int:
    return len(server.requests_to(server.message_path, method="POST"))


def test_a_rejected_batch_goes_one_by_one_and_each_message_arrives_once(
    mirror_server: EverMemOSV1Server, mirror_backend: MemoryBackend
) -> None:
    first, first_messages = conversation("Printer jams", 3)
    second, second_messages = conversation("Invoice twice", 3)
    mirror_server.fail_next(mirror_server.message_path, 422, method="POST")  # one batch

    report = deliver_all(mirror_backend)

    assert (report.delivered, report.failed, report.retrying) == (8, 0, 0)
    assert stored_ids(mirror_server, first) == [ids.message_id(m.pk) for m in first_messages]
    assert stored_ids(mirror_server, second) == [ids.message_id(m.pk) for m in second_messages]
    # the rejected batch, its three messages alone, the other ticket's batch
    assert adds(mirror_server) == 5
    assert set(MirrorEntry.objects.values_list("state", flat=True)) == {State.DELIVERED}


def test_a_rejected_batch_of_one_message_is_sent_once_and_fails(
    mirror_server: EverMemOSV1Server, mirror_backend: MemoryBackend
) -> None:
    ticket, [message] = conversation("Login loop", 1)
    for opened in mirror_claim():  # the opened entry alone: the message is then a batch of one
        mirror_deliver(opened, mirror_backend)
    mirror_server.fail_next(mirror_server.message_path, 422, method="POST")

    report = deliver_all(mirror_backend)

    assert (report.delivered, report.failed) == (0, 1)
    assert adds(mirror_server) == 1  # not sent again alone: it was alone
    assert stored_ids(mirror_server, ticket) == []
    entry = MirrorEntry.objects.get(message=message)
    assert (entry.state, entry.attempts) == (State.FAILED, 1)
    assert "422" in entry.last_error


def test_an_unexpected_error_in_a_batch_fails_only_the_entry_that_raises_it(
    monkeypatch: pytest.MonkeyPatch,
    mirror_server: EverMemOSV1Server,
    mirror_backend: MemoryBackend,
) -> None:
    ticket, messages = conversation("Refund pending", 3)
    bad = ids.message_id(messages[1].pk)
    send = mirror_backend.deliver_messages  # type: ignore[attr-defined]

    def breaks_on_the_bad_one(
        events: Sequence[MessagePosted], *, maybe_sent: bool
    ) -> list[DeliveryOutcome]:
        if any(event.message_id == bad for event in events):
            raise RuntimeError("a bug in the client")
        result: list[DeliveryOutcome] = send(events, maybe_sent=maybe_sent)
        return result

    monkeypatch.setattr(mirror_backend, "deliver_messages", breaks_on_the_bad_one)

    report = mirror_deliver_due(mirror_backend)

    # The pass goes on: the batch is tried one entry at a time, only the bad one fails.
    assert (report.delivered, report.failed) == (3, 1)
    assert stored_ids(mirror_server, ticket) == [
        ids.message_id(messages[0].pk),
        ids.message_id(messages[2].pk),
    ]
    failed = MirrorEntry.objects.get(message=messages[1])
    assert failed.state == State.FAILED
    assert "RuntimeError: a bug in the client" in failed.last_error


def test_a_pass_records_every_ticket_once_with_one_update_per_outcome(
    mirror_server: EverMemOSV1Server,
    mirror_backend: MemoryBackend,
) -> None:
    tickets = [conversation(f"Subject {index}", 2)[0] for index in range(6)]
    for ticket in tickets:
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)

    with CaptureQueriesContext(connection) as queries:
        report = mirror_deliver_due(mirror_backend, limit=50)

    marked = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "memory_mirrorentry"')]
    assert len([sql for sql in marked if "'delivered'" in sql]) == 1  # one outcome: one UPDATE
    assert report.delivered == 6 * 4  # opened, two messages, closing: every ticket whole
    for ticket in tickets:
        assert len(stored_ids(mirror_server, ticket)) == 2
        assert mirror_server.pending(ids.group_id(ticket.pk)) == []  # flushed
    assert set(MirrorEntry.objects.values_list("state", flat=True)) == {State.DELIVERED}
    assert adds(mirror_server) == 6
