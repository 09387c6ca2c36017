"""A delivery process killed between sending a message and recording it loses nothing and
duplicates nothing; one stopped with SIGTERM finishes the entry in hand first.

The workers are real processes (`manage.py sync_memory --wait`) on the test database; the
loopback EverMemOS stores a message and then holds its answer, so the kill lands after
the send and before the worker writes down that it was delivered.
"""

from __future__ import annotations

import signal

import pytest

from helpdesk.memory import ids
from helpdesk.memory.models import MirrorEntry
from tests.memory.conftest import Spawn
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.memory.processes import sync_memory_args, worker_environment
from tests.mirror_helpers import conversation, stored_ids
from tests.waiting import wait_until
from tickets.models import Message

# Short enough that the second worker's wait for the dead one's claim stays brief; the
# send timeout must be shorter still (settings refuse a lease that a send can outlast).
LEASE = {"MIRROR_LEASE_SECONDS": "3", "EVERMEMOS_TIMEOUT": "2"}


def posts_of(server: EverMemOSServer | EverMemOSV1Server, message: Message) -> int:
    return sum(
        server.posted_message_ids(request).count(ids.message_id(message.pk))
        for request in server.requests_to(server.message_path, method="POST")
    )


# Alone: the dead worker's entry is the last one of its ticket, so nothing else is due
# and the second worker has only the lease to wait for.
@pytest.mark.parametrize("count", [1, 3], ids=["alone", "with-later-messages"])
def test_killed_worker_entry_is_resent_after_its_lease_and_stored_once(
    spawn: Spawn, mirror_server: EverMemOSServer | EverMemOSV1Server, count: int
) -> None:
    evermemos_server = mirror_server
    ticket, messages = conversation("Router keeps dropping", count)
    victim = messages[0]
    evermemos_server.process_then_delay_next(evermemos_server.message_path, 60, method="POST")
    environment = worker_environment(evermemos_server, **LEASE)

    first = spawn(sync_memory_args("--wait", "--timeout", "60"), environment)
    # v1 takes the ticket's messages in one batch: all of them are stored by the first send.
    first_send = messages if evermemos_server.api_version == "v1" else [victim]
    wait_until(
        lambda: stored_ids(evermemos_server, ticket) == [ids.message_id(m.pk) for m in first_send],
        timeout=30,
        what="the first worker to send the first message",
        process=first,
    )
    first.kill_all()

    in_flight = MirrorEntry.objects.get(message=victim)
    assert in_flight.state == MirrorEntry.State.SENDING  # sent, never recorded
    second = spawn(sync_memory_args("--wait", "--timeout", "60"), environment)
    assert second.wait(timeout=60) == 0, second

    assert stored_ids(evermemos_server, ticket) == [ids.message_id(m.pk) for m in messages]
    # v0 resends and the server drops the copy; v1 finds it pending and does not resend.
    assert posts_of(evermemos_server, victim) == (2 if evermemos_server.api_version == "v0" else 1)
    resent = MirrorEntry.objects.get(message=victim)
    assert (resent.state, resent.outcome, resent.attempts) == ("delivered", "duplicate", 2)
    assert resent.needs_verification is True
    assert set(MirrorEntry.objects.values_list("state", flat=True)) == {"delivered"}


def test_sigterm_finishes_the_entry_in_hand_and_hands_back_the_rest(
    spawn: Spawn, evermemos_server: EverMemOSServer
) -> None:
    conversations = [conversation(subject, 1) for subject in ("Printer", "Invoice", "Login")]
    (in_hand,) = conversations[0][1]
    # Every ticket's meta goes first; then one pass claims the three messages. The first
    # message's answer is held until the signal is sent, however long that takes.
    answer = evermemos_server.process_then_hold_next("/memories", method="POST")
    worker = spawn(sync_memory_args("--wait"), worker_environment(evermemos_server))
    wait_until(
        lambda: posts_of(evermemos_server, in_hand) == 1,
        timeout=30,
        what="the worker to send the first message",
        process=worker,
    )

    worker.send(signal.SIGTERM)
    answer.set()

    assert worker.wait(timeout=30) == 0, worker
    assert "Stopped by SIGTERM" in worker.output()
    finished = MirrorEntry.objects.get(message=in_hand)
    assert (finished.state, finished.outcome) == ("delivered", "delivered")
    for _ticket, (message,) in conversations[1:]:
        handed_back = MirrorEntry.objects.get(message=message)
        assert (handed_back.state, handed_back.attempts) == ("pending", 0)
        assert posts_of(evermemos_server, message) == 0


def test_sigterm_on_a_worker_waiting_for_a_retry_stops_it_at_once(
    spawn: Spawn, evermemos_server: EverMemOSServer
) -> None:
    conversation("Printer", 1)
    evermemos_server.fail_next("/memories", 503, method="POST", headers={"Retry-After": "60"})
    worker = spawn(sync_memory_args("--wait"), worker_environment(evermemos_server))
    wait_until(
        lambda: MirrorEntry.objects.filter(attempts=1, state="pending").exists(),
        timeout=30,
        what="the message to back off",
        process=worker,
    )

    worker.send(signal.SIGTERM)

    assert worker.wait(timeout=10) == 0, worker
    assert MirrorEntry.objects.get(kind="message").state == MirrorEntry.State.PENDING
