"""A delivery worker whose database connection is killed (a restart, a failover) reconnects
and finishes, with nothing lost and nothing sent twice.

PostgreSQL only: the test ends the worker's server process with `pg_terminate_backend`
from its own connection, once between sending a message and recording it and once while
the worker waits between entries. SQLite has no server connection to lose; the CI run on
PostgreSQL covers these.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from tests.factories import CustomerFactory
from tests.memory.conftest import Spawn
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.processes import sync_memory_args, worker_environment
from tests.mirror_helpers import stored_ids
from tests.waiting import wait_until
from tickets import services
from tickets.models import Message, Ticket


@pytest.fixture(autouse=True)
def _postgresql_only(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server connection to kill; the PostgreSQL run covers this")


def terminate_other_connections() -> int:
    """End every other session on the test database, as a database restart would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return len(cursor.fetchall())


def conversation(count: int) -> tuple[Ticket, list[Message]]:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Router keeps dropping")
    messages = [
        services.message_record(ticket=ticket, role="customer", body=f"Message {index}").message
        for index in range(count)
    ]
    return ticket, messages


def test_sync_memory_reconnects_after_its_connection_is_killed_twice(
    spawn: Spawn, evermemos_server: EverMemOSServer
) -> None:
    ticket, messages = conversation(3)
    # The first message is stored and its answer held (until the connection is killed); the
    # second fails once and asks for a retry a second later, so the worker waits between
    # entries.
    answer = evermemos_server.process_then_hold_next("/memories", method="POST")
    evermemos_server.fail_next("/memories", 503, headers={"Retry-After": "1"}, method="POST")
    process = spawn(
        sync_memory_args("--wait", "--timeout", "60"), worker_environment(evermemos_server)
    )

    wait_until(
        lambda: stored_ids(evermemos_server, ticket) == [ids.message_id(messages[0].pk)],
        timeout=30,
        what="the first message to be stored",
        process=process,
    )
    assert terminate_other_connections() >= 1  # between send and record
    answer.set()
    wait_until(
        lambda: MirrorEntry.objects.filter(
            message=messages[1], attempts=1, state="pending"
        ).exists(),
        timeout=30,
        what="the second message to back off",
        process=process,
    )
    assert terminate_other_connections() >= 1  # while it waits for the retry

    assert process.wait(timeout=60) == 0, process
    assert "Lost the database connection" in process.output()
    assert "Database error" in process.output()
    assert stored_ids(evermemos_server, ticket) == [ids.message_id(m.pk) for m in messages]
    entries = {entry.message_id: entry for entry in MirrorEntry.objects.filter(kind="message")}
    # The first message was recorded after the reconnect, not resent.
    assert (entries[messages[0].pk].attempts, entries[messages[0].pk].outcome) == (1, "delivered")
    assert set(MirrorEntry.objects.values_list("outcome", flat=True)) == {"delivered"}


@pytest.fixture
def running_worker(settings, evermemos_server: EverMemOSServer, monkeypatch) -> Iterator[None]:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    monkeypatch.setattr(worker, "ERROR_PAUSE_SECONDS", 0.2)
    worker.enable()
    yield
    worker.stop()


def test_the_in_process_worker_survives_a_database_restart(
    running_worker: None, evermemos_server: EverMemOSServer
) -> None:
    ticket, first = conversation(1)
    wait_until(
        lambda: not MirrorEntry.objects.exclude(state="delivered").exists(),
        timeout=10,
        what="the first delivery",
    )
    assert terminate_other_connections() >= 1  # the worker's idle connection

    answer = evermemos_server.process_then_hold_next("/memories", method="POST")
    later = services.message_record(ticket=ticket, role="agent", body="Try the reset").message
    wait_until(
        lambda: len(stored_ids(evermemos_server, ticket)) == 2,
        timeout=10,
        what="the second message to be stored",
    )
    terminate_other_connections()  # and again while it waits for the answer
    answer.set()
    wait_until(
        lambda: not MirrorEntry.objects.exclude(state="delivered").exists(),
        timeout=10,
        what="the worker to recover",
    )

    assert stored_ids(evermemos_server, ticket) == [
        ids.message_id(first[0].pk),
        ids.message_id(later.pk),
    ]
    assert set(MirrorEntry.objects.values_list("outcome", flat=True)) == {"delivered"}
