"""The mirror delivers every message to a real (loopback) EverMemOS exactly once, in order."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.selectors.sync import mirror_state
from helpdesk.memory.services.events import mirror_send
from helpdesk.memory.services.mirror import mirror_claim, mirror_deliver, mirror_deliver_due
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.mirror_helpers import deliver_all, stored_ids
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

Server = EverMemOSServer | EverMemOSV1Server


@pytest.fixture
def customer() -> Customer:
    return CustomerFactory(name="Ada Lovelace")


@pytest.fixture
def conversation(customer: Customer) -> Callable[[int], tuple[Ticket, list[Message]]]:
    def make(count: int) -> tuple[Ticket, list[Message]]:
        ticket = services.ticket_create(customer=customer, subject="Router keeps dropping")
        start = timezone.now() - datetime.timedelta(hours=1)
        messages = [
            services.message_record(
                ticket=ticket,
                role=Message.Role.CUSTOMER if i % 2 == 0 else Message.Role.AGENT,
                body=f"Message number {i} about the router",
                created_at=start + datetime.timedelta(minutes=i),
            ).message
            for i in range(count)
        ]
        return ticket, messages

    return make


def deliver_meta(backend: MemoryBackend) -> None:
    """Deliver the tickets' opened entries alone (a v1 pass takes the messages with them)."""
    for entry in mirror_claim():
        assert entry.kind == MirrorEntry.Kind.TICKET_OPENED
        mirror_deliver(entry, backend)


def test_messages_arrive_once_in_order_with_meta_and_closing_flush(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(4)
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)

    report = deliver_all(mirror_backend)

    assert report.delivered == 6  # meta, four messages, the closing (a note in v0, a flush in v1)
    expected = [ids.message_id(m.pk) for m in messages]
    if mirror_server.api_version == "v0":
        expected.append(ids.closing_message_id(ticket.pk))
    assert stored_ids(mirror_server, ticket) == expected
    assert mirror_server.pending(ids.group_id(ticket.pk)) == []
    assert mirror_server.meta(ids.group_id(ticket.pk))["name"].endswith("Router keeps dropping")
    assert mirror_state().pending == 0


def test_server_errors_are_retried_until_delivered_once(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(3)
    mirror_server.fail_next(mirror_server.message_path, 503, times=3, method="POST")

    report = deliver_all(mirror_backend)

    assert report.retrying == 3
    assert stored_ids(mirror_server, ticket) == [ids.message_id(m.pk) for m in messages]
    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


def test_a_timeout_after_the_server_stored_the_message_is_not_a_second_copy(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(2)
    mirror_server.process_then_delay_next(
        mirror_server.message_path, 0.6, method="POST"
    )  # longer than the client waits

    deliver_all(mirror_backend)

    assert stored_ids(mirror_server, ticket) == [ids.message_id(m.pk) for m in messages]


def test_duplicate_after_a_processed_5xx_counts_as_delivered_and_is_flagged(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, (message,) = conversation(1)
    mirror_server.process_then_fail_next(mirror_server.message_path, 500, method="POST")

    deliver_all(mirror_backend)

    entry = MirrorEntry.objects.get(message=message)
    assert entry.state == MirrorEntry.State.DELIVERED
    assert entry.outcome == "duplicate"
    assert entry.needs_verification is True
    assert stored_ids(mirror_server, ticket) == [ids.message_id(message.pk)]


def test_worker_crash_between_send_and_mark_done_is_resent_once(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, (message,) = conversation(1)
    deliver_meta(mirror_backend)  # the message waits behind it
    (claimed,) = mirror_claim()
    assert claimed.message_id == message.pk
    mirror_send(claimed, mirror_backend)  # the server stores it...
    # ...and the worker dies before marking it done: its lease runs out.
    MirrorEntry.objects.filter(pk=claimed.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    deliver_all(mirror_backend)

    entry = MirrorEntry.objects.get(pk=claimed.pk)
    assert entry.state == MirrorEntry.State.DELIVERED
    assert entry.outcome == "duplicate"
    assert entry.attempts == 2
    assert stored_ids(mirror_server, ticket) == [ids.message_id(message.pk)]


def test_later_messages_wait_while_an_earlier_one_backs_off(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(3)
    deliver_meta(mirror_backend)
    mirror_server.fail_next(mirror_server.message_path, 500, method="POST")

    mirror_deliver_due(mirror_backend)  # the first message fails and backs off
    mirror_deliver_due(mirror_backend)  # nothing else of this ticket may overtake it

    assert stored_ids(mirror_server, ticket) == []
    assert MirrorEntry.objects.get(message=messages[0]).state == MirrorEntry.State.PENDING
    assert MirrorEntry.objects.get(message=messages[1]).attempts == 0


def test_a_ticket_backing_off_does_not_hold_up_other_tickets(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    tickets = [conversation(2), conversation(2)]
    deliver_meta(mirror_backend)  # both tickets' meta
    # One ticket's messages meet a 500 (in a v1 pass both tickets are sent at once, in
    # threads, so which one is not known in advance).
    mirror_server.fail_next(mirror_server.message_path, 500, method="POST")

    for _ in range(4):
        mirror_deliver_due(mirror_backend)

    stored = [stored_ids(mirror_server, ticket) for ticket, _ in tickets]
    sent = [[ids.message_id(m.pk) for m in messages] for _, messages in tickets]
    backing_off = [index for index, found in enumerate(stored) if found == []]
    assert len(backing_off) == 1
    other = 1 - backing_off[0]
    assert stored[other] == sent[other]  # delivered while the other backs off


def test_refused_connections_end_failed_after_the_last_try_with_the_error_kept(
    settings, evermemos_backend_factory, closed_port_url: str, conversation
) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 3
    conversation(1)
    backend = evermemos_backend_factory(closed_port_url)

    report = deliver_all(backend)

    # The meta fails for good first; a failed entry no longer holds the ticket's
    # later entries back, so the message then fails the same way.
    assert report.failed == 2
    for entry in MirrorEntry.objects.all():
        assert entry.state == MirrorEntry.State.FAILED
        assert entry.attempts == 3
        assert "Connection refused" in entry.last_error
    assert mirror_state().failed == 2


def test_wrong_api_key_fails_at_once_without_retrying(
    evermemos_server_factory, evermemos_backend_factory, conversation
) -> None:
    server = evermemos_server_factory(api_key="right-key")
    conversation(1)
    backend = evermemos_backend_factory(server, api_key="wrong-key")

    mirror_deliver_due(backend)

    meta = MirrorEntry.objects.get(kind=MirrorEntry.Kind.TICKET_OPENED)
    assert meta.state == MirrorEntry.State.FAILED
    assert meta.attempts == 1
    assert "401" in meta.last_error


def test_rate_limit_waits_at_least_as_long_as_the_server_asks(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, conversation
) -> None:
    conversation(1)
    evermemos_server.fail_next(
        "/memories/conversation-meta", 429, headers={"Retry-After": "30"}, method="POST"
    )
    before = timezone.now()

    mirror_deliver_due(evermemos_backend)

    meta = MirrorEntry.objects.get(kind=MirrorEntry.Kind.TICKET_OPENED)
    assert meta.state == MirrorEntry.State.PENDING
    assert meta.next_attempt_at >= before + datetime.timedelta(seconds=30)


@pytest.mark.parametrize("mirror_server", ["v1"], indirect=True)  # v1 sends group_meta
def test_v1_sends_a_closed_ticket_in_one_pass_with_its_group_registered_by_the_batch(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(3)
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)

    report = mirror_deliver_due(mirror_backend)

    assert report.delivered == 5  # opened, three messages, closed
    assert [request.path for request in mirror_server.requests] == [
        mirror_server.path("/memories/group"),
        mirror_server.path("/memories/group/flush"),
    ]
    (add,) = mirror_server.requests_to("/memories/group")
    assert add.json["group_meta"] == {
        "name": f"{ticket.reference} Router keeps dropping",
        "description": "Router keeps dropping",
    }
    assert stored_ids(mirror_server, ticket) == [ids.message_id(m.pk) for m in messages]
    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


@pytest.mark.parametrize("mirror_server", ["v1"], indirect=True)  # v1 sends group_meta
def test_v1_batch_that_failed_with_its_opened_entry_is_checked_before_it_is_resent(
    mirror_server: Server, mirror_backend: MemoryBackend, conversation
) -> None:
    ticket, messages = conversation(2)
    mirror_server.process_then_fail_next(mirror_server.message_path, 500, method="POST")

    deliver_all(mirror_backend)

    assert stored_ids(mirror_server, ticket) == [ids.message_id(m.pk) for m in messages]
    for message in messages:
        entry = MirrorEntry.objects.get(message=message)
        assert (entry.outcome, entry.needs_verification) == ("duplicate", True)
