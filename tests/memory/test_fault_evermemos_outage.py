"""EverMemOS (v0 and v1) down for half an hour while messages keep arriving: the outbox fills, the
health endpoint shows the backlog, nothing is given up, and once the server is back every
message arrives exactly once, in order per ticket.

Time is simulated: `django.utils.timezone.now` runs ahead of the wall clock, so the
entries' backoff plays out as it would over the minutes, in about a second.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import MAX_BACKOFF_SECONDS, backoff_seconds, mirror_deliver_due
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

OUTAGE = datetime.timedelta(minutes=30)
STEP = datetime.timedelta(seconds=30)  # how often the simulated worker wakes up
TICKETS = 20


class Clock:
    """`timezone.now()` plus an offset that the test moves forward."""

    def __init__(self, real: Callable[[], datetime.datetime]) -> None:
        self._real = real
        self.offset = datetime.timedelta()

    def now(self) -> datetime.datetime:
        return self._real() + self.offset

    def advance(self, by: datetime.timedelta) -> None:
        self.offset += by


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(timezone.now)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


Server = EverMemOSServer | EverMemOSV1Server
# The paths each API version writes to: an outage that answers 503 fails them all.
WRITE_PATHS = {
    "v0": ("/memories", "/memories/conversation-meta"),
    "v1": ("/memories/group", "/memories/group/flush", "/groups"),
}


@pytest.fixture
def use_evermemos(settings, mirror_server: Server) -> Server:
    """The product's own backend (not a test client) against a loopback server of each
    API version in turn."""
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = mirror_server.base_url
    settings.EVERMEMOS_TIMEOUT = 0.5
    settings.EVERMEMOS_CONNECT_TIMEOUT = 0.5
    return mirror_server


def health() -> dict:
    return APIClient().get("/api/health/").json()


def deliver_pass() -> None:
    mirror_deliver_due(get_backend(), limit=500)


def post(ticket: Ticket, number: int) -> Message:
    role = Message.Role.CUSTOMER if number % 2 == 0 else Message.Role.AGENT
    return services.message_record(
        ticket=ticket, role=role, body=f"{ticket.subject}: message {number}"
    ).message


def go_down(server: Server, how: str) -> None:
    if how == "refusing":
        server.stop()
    else:
        for path in WRITE_PATHS[server.api_version]:
            server.fail_next(path, 503, times=100_000, method="POST")


def come_back(server: Server, how: str) -> None:
    if how == "refusing":
        server.start()
    else:
        server.clear_faults()


def test_default_tries_outlast_an_hour_of_outage(settings, monkeypatch) -> None:
    """The policy itself: even with the shortest jitter, the waits between the tries an
    entry gets before it is marked failed add up to more than an hour."""
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    waits = [backoff_seconds(attempt) for attempt in range(1, settings.MIRROR_MAX_ATTEMPTS)]

    assert max(waits) <= MAX_BACKOFF_SECONDS
    assert sum(waits) > 3600


@pytest.mark.parametrize("how", ["refusing", "answering-503"])
def test_outage_fills_the_outbox_then_every_message_arrives_once_in_order(
    use_evermemos: Server, clock: Clock, how: str
) -> None:
    server = use_evermemos
    tickets = [
        services.ticket_create(customer=CustomerFactory(), subject=f"Ticket {n}")
        for n in range(TICKETS)
    ]
    sent = {ticket.pk: [post(ticket, 0)] for ticket in tickets}
    deliver_pass()
    deliver_pass()
    assert health()["status"] == "ok"

    go_down(server, how)
    snapshots = []
    elapsed = datetime.timedelta()
    step = 0
    while elapsed < OUTAGE:
        for ticket in tickets[step % 4 :: 4]:  # five customers write every step
            sent[ticket.pk].append(post(ticket, len(sent[ticket.pk])))
        if step % 10 == 9:  # and now and then somebody opens a ticket
            ticket = services.ticket_create(customer=CustomerFactory(), subject=f"New {step}")
            tickets.append(ticket)
            sent[ticket.pk] = [post(ticket, 0)]
        deliver_pass()
        assert not MirrorEntry.objects.filter(state=MirrorEntry.State.FAILED).exists()
        if step % 10 == 0:
            snapshots.append((elapsed, health()))
        clock.advance(STEP)
        elapsed += STEP
        step += 1

    during = health()
    total = sum(len(messages) for messages in sent.values())
    assert during["status"] == "degraded"
    assert during["memory"]["ok"] is False
    assert during["outbox"]["failed"] == 0
    assert during["outbox"]["retrying"] > 0
    # Everything written during the outage waits: the messages and the new tickets' meta.
    assert during["outbox"]["pending"] == total - TICKETS + len(tickets) - TICKETS
    assert during["outbox"]["oldest_pending_age_seconds"] >= OUTAGE.total_seconds() - 60
    pending = [snapshot["outbox"]["pending"] for _, snapshot in snapshots]
    assert pending == sorted(pending)
    assert pending[-1] > pending[0]
    assert all(snapshot["status"] == "degraded" for _, snapshot in snapshots[1:])
    if how == "refusing":
        stored_before = {ticket.pk for ticket in tickets[:TICKETS]}
        assert all(len(server.messages(ids.group_id(pk))) == 1 for pk in stored_before)

    come_back(server, how)
    recovery = datetime.timedelta()
    while MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists():
        assert recovery <= datetime.timedelta(seconds=MAX_BACKOFF_SECONDS), "not drained"
        deliver_pass()
        clock.advance(STEP)
        recovery += STEP

    after = health()
    assert after["status"] == "ok"
    mirror = {
        "pending": 0,
        "retrying": 0,
        "failed": 0,
        "oldest_pending_age_seconds": None,
    }
    no_mail = {"pending": 0, "retrying": 0, "failed": 0, "oldest_pending_age_seconds": None}
    # The mirror's figures at the top (as before e-mail went out) and under its name.
    assert after["outbox"] == {**mirror, "memory": mirror, "email": no_mail, "webhooks": no_mail}
    for ticket in tickets:
        stored = [message["message_id"] for message in server.messages(ids.group_id(ticket.pk))]
        assert stored == [ids.message_id(message.pk) for message in sent[ticket.pk]]
        assert server.meta(ids.group_id(ticket.pk)) is not None
    # Nothing was sent twice: no entry met a "duplicate" answer.
    assert set(MirrorEntry.objects.values_list("outcome", flat=True)) == {"delivered"}
