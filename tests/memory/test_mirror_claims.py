"""Claims and leases: when work is next due, what a worker that stops early hands back."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from helpdesk.memory import ids
from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import mirror_claim, mirror_deliver_due, mirror_next_due_at
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

State = MirrorEntry.State


def ticket_with(count: int, subject: str = "Router keeps dropping") -> Ticket:
    ticket = services.ticket_create(customer=CustomerFactory(), subject=subject)
    for index in range(count):
        services.message_record(ticket=ticket, role="customer", body=f"Message {index}")
    return ticket


def test_next_due_ignores_entries_queued_behind_a_backed_off_one() -> None:
    ticket = ticket_with(2)
    later = timezone.now() + datetime.timedelta(minutes=5)
    head, *behind = ticket.mirror_entries.order_by("id")
    MirrorEntry.objects.filter(pk=head.pk).update(attempts=1, next_attempt_at=later)

    # The entries behind the head are "due" by their own time, but cannot go before it.
    assert all(entry.next_attempt_at <= timezone.now() for entry in behind)
    assert mirror_next_due_at() == later


def test_next_due_includes_the_lease_of_an_entry_whose_worker_died() -> None:
    ticket_with(0)
    (claimed,) = mirror_claim()

    assert mirror_next_due_at() == claimed.lease_expires_at


def test_nothing_is_due_when_everything_is_delivered(
    settings, evermemos_server: EverMemOSServer
) -> None:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    ticket_with(1)

    deliver_all()

    assert mirror_next_due_at() is None


def test_a_pass_told_to_stop_hands_back_what_it_has_not_sent(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    tickets = [ticket_with(0, subject) for subject in ("Printer", "Invoice", "Login")]
    asked = itertools.count()  # stop when asked the second time: after the first entry

    report = mirror_deliver_due(evermemos_backend, should_stop=lambda: next(asked) >= 1)

    assert report.delivered == 1
    first, *others = (MirrorEntry.objects.get(ticket=ticket) for ticket in tickets)
    assert first.state == State.DELIVERED
    for entry in others:
        assert (entry.state, entry.attempts, entry.lease_expires_at) == (State.PENDING, 0, None)
        assert evermemos_server.meta(ids.group_id(entry.ticket_id)) is None


def test_an_entry_whose_lease_ran_out_before_its_turn_is_not_sent(
    settings, evermemos_server: EverMemOSServer, evermemos_backend_factory
) -> None:
    settings.MIRROR_LEASE_SECONDS = 1
    slow, fast = ticket_with(0, "Printer"), ticket_with(0, "Invoice")
    evermemos_server.delay_next("/memories/conversation-meta", 1.2, method="POST")

    report = mirror_deliver_due(evermemos_backend_factory(evermemos_server, timeout=5))

    # The first send outlasted the claim: the second entry may belong to another worker
    # by now, so it goes back to the queue instead of being sent.
    assert report.delivered == 1
    assert MirrorEntry.objects.get(ticket=slow).state == State.DELIVERED
    assert MirrorEntry.objects.get(ticket=fast).state == State.PENDING
    assert evermemos_server.meta(ids.group_id(fast.pk)) is None


def test_first_success_after_failures_makes_backed_off_entries_due_at_once(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    first, second = ticket_with(0, "Printer"), ticket_with(0, "Invoice")
    evermemos_server.fail_next("/memories/conversation-meta", 503, times=2, method="POST")
    mirror_deliver_due(evermemos_backend)  # both fail and back off
    assert MirrorEntry.objects.filter(state=State.PENDING, attempts=1).count() == 2
    MirrorEntry.objects.filter(ticket=first).update(next_attempt_at=timezone.now())

    mirror_deliver_due(evermemos_backend)  # the first one's retry goes through

    waiting = MirrorEntry.objects.get(ticket=second)
    assert waiting.state == State.PENDING
    assert waiting.next_attempt_at <= timezone.now()
    assert mirror_deliver_due(evermemos_backend).delivered == 1


def _worker_dies_holding(entry_id: int) -> None:
    """A worker claimed the entry and died: its lease runs out without a record."""
    MirrorEntry.objects.filter(pk=entry_id).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_an_entry_whose_worker_died_is_handed_out_again_with_the_reason(settings) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 3
    ticket_with(0)
    (claimed,) = mirror_claim()
    _worker_dies_holding(claimed.pk)

    (again,) = mirror_claim()

    assert again.pk == claimed.pk
    assert again.attempts == 2
    assert "stopped before it finished" in again.last_error


def test_an_entry_that_kills_every_worker_fails_after_the_last_attempt(settings) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 3
    poison = ticket_with(0, "Crashes the worker")
    for _ in range(3):
        (claimed,) = mirror_claim()
        assert claimed.ticket_id == poison.pk
        _worker_dies_holding(claimed.pk)
    healthy = ticket_with(0, "Printer")

    claimed = mirror_claim()

    entry = MirrorEntry.objects.get(ticket=poison)
    assert (entry.state, entry.attempts) == (State.FAILED, 3)
    assert "stopped before it finished" in entry.last_error
    assert [c.ticket_id for c in claimed] == [healthy.pk]  # the others go on
    assert entry.lease_expires_at is None
