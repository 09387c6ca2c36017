"""A real `celery -A helpdesk worker` on a real Redis delivers the mirror.

The worker is a separate process on the test database; this process posts messages
through the services, and each commit queues the delivery task on Redis. Needs
`CELERY_TEST_BROKER_URL` (a Redis database these tests empty, e.g.
`redis://127.0.0.1:16379/15`; `.ci/run` starts one); without it the tests skip, unless
`REQUIRE_SERVICES=1` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import redis

from helpdesk.memory import ids
from helpdesk.memory.models import MirrorEntry
from tests.memory.conftest import Spawn
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.processes import point_celery_at, worker_environment
from tests.mirror_helpers import conversation, stored_ids
from tests.waiting import wait_until
from tickets import services

pytestmark = pytest.mark.services


def _services_missing(reason: str) -> NoReturn:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 says the services tests must run")
    pytest.skip(f"{reason}: set CELERY_TEST_BROKER_URL=redis://127.0.0.1:16379/15 to run them")


@pytest.fixture
def broker_url(settings) -> Iterator[str]:
    """A Redis this process publishes the delivery tasks to, emptied before and after."""
    url = os.environ.get("CELERY_TEST_BROKER_URL", "")
    if not url:
        _services_missing("CELERY_TEST_BROKER_URL is not set")
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as error:
        _services_missing(f"no Redis answers at {url} ({error})")
    settings.CELERY_BROKER_URL = url  # wake() now queues the task instead of a thread
    previous = point_celery_at(url)
    yield url
    point_celery_at(previous)
    client.flushdb()
    client.close()


def celery_worker_args(*extra: str) -> list[str]:
    name = f"mirror-test-{uuid.uuid4().hex[:8]}@%h"
    return [
        "-m",
        "celery",
        "-A",
        "helpdesk",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        f"--hostname={name}",
        *extra,
    ]


def all_delivered() -> bool:
    return not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


def test_a_real_worker_delivers_every_message_once_in_order_and_stops_after_its_entry(
    spawn: Spawn, broker_url: str, evermemos_server: EverMemOSServer
) -> None:
    environment = worker_environment(evermemos_server, CELERY_BROKER_URL=broker_url)
    worker = spawn(celery_worker_args(), environment)

    conversations = [conversation(subject, 4) for subject in ("Printer", "Invoice", "Login")]
    wait_until(all_delivered, timeout=60, what="the worker to deliver", process=worker)

    for ticket, messages in conversations:
        assert stored_ids(evermemos_server, ticket) == [ids.message_id(m.pk) for m in messages]
        assert evermemos_server.meta(ids.group_id(ticket.pk)) is not None
    assert set(MirrorEntry.objects.values_list("outcome", flat=True)) == {"delivered"}

    # SIGTERM while the worker waits for the answer to a message: a warm shutdown. The
    # answer is held until the worker has taken the signal, however long that takes.
    answer = evermemos_server.process_then_hold_next("/memories", method="POST")
    ticket = conversations[0][0]
    last = services.message_record(ticket=ticket, role="customer", body="Still broken").message
    wait_until(
        lambda: ids.message_id(last.pk) in stored_ids(evermemos_server, ticket),
        timeout=30,
        what="the worker to send the last message",
        process=worker,
    )
    worker.send(signal.SIGTERM)
    wait_until(
        lambda: "Warm shutdown" in worker.output(),
        timeout=30,
        what="the worker to begin its warm shutdown",
        process=worker,
    )
    answer.set()

    assert worker.wait(timeout=30) == 0, worker
    entry = MirrorEntry.objects.get(message=last)
    assert (entry.state, entry.outcome, entry.attempts) == ("delivered", "delivered", 1)


def test_the_beat_sweep_resends_what_a_killed_worker_held_once_its_lease_ends(
    spawn: Spawn, broker_url: str, evermemos_server: EverMemOSServer, tmp_path: Path
) -> None:
    lease = {"MIRROR_LEASE_SECONDS": "3", "EVERMEMOS_TIMEOUT": "2", "MIRROR_SWEEP_SECONDS": "1"}
    environment = worker_environment(evermemos_server, CELERY_BROKER_URL=broker_url, **lease)
    evermemos_server.process_then_delay_next("/memories", 60, method="POST")
    crashed = spawn(celery_worker_args(), environment)
    ticket, (message,) = conversation("Router keeps dropping", 1)
    wait_until(
        lambda: stored_ids(evermemos_server, ticket) == [ids.message_id(message.pk)],
        timeout=60,
        what="the worker to send the message",
        process=crashed,
    )

    crashed.kill_all()  # the worker and its pool: SIGKILL, nothing acknowledged

    assert MirrorEntry.objects.get(message=message).state == MirrorEntry.State.SENDING
    schedule = tmp_path / "beat-schedule"
    # No new message arrives: only the periodic sweep can find the dead worker's entry.
    worker = spawn(celery_worker_args("--beat", f"--schedule={schedule}"), environment)
    wait_until(all_delivered, timeout=60, what="the sweep to resend the entry", process=worker)

    assert stored_ids(evermemos_server, ticket) == [ids.message_id(message.pk)]
    entry = MirrorEntry.objects.get(message=message)
    assert (entry.outcome, entry.attempts) == ("duplicate", 2)


def test_with_a_shared_cache_a_burst_of_commits_queues_one_task(
    spawn: Spawn, broker_url: str, evermemos_server: EverMemOSServer, settings
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": broker_url,
        }
    }
    queue = redis.Redis.from_url(broker_url)

    ticket, messages = conversation("Printer offline", 5)  # 6 commits, no worker yet

    assert queue.llen("celery") == 1
    environment = worker_environment(
        evermemos_server, CELERY_BROKER_URL=broker_url, CACHE_URL=broker_url
    )
    worker = spawn(celery_worker_args(), environment)
    wait_until(all_delivered, timeout=60, what="the one task to deliver all", process=worker)
    assert stored_ids(evermemos_server, ticket) == [ids.message_id(m.pk) for m in messages]

    # That task has started, so the next commit queues a task of its own.
    last = services.message_record(ticket=ticket, role="customer", body="Thanks").message
    wait_until(
        lambda: ids.message_id(last.pk) in stored_ids(evermemos_server, ticket),
        timeout=30,
        what="a new task to deliver the next message",
        process=worker,
    )
    queue.close()
