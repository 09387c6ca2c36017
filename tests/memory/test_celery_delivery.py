"""With a broker configured, wake() hands delivery to the Celery task, which runs the same code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from helpdesk import celery_app
from helpdesk.memory import ids, worker
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.mirror import DeliveryReport
from helpdesk.memory.tasks import deliver_mirror
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.processes import point_celery_at
from tickets import services


@pytest.fixture
def eager_celery(settings, evermemos_server: EverMemOSServer) -> Iterator[None]:
    settings.CELERY_BROKER_URL = "memory://"
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.mark.django_db(transaction=True)
def test_committed_messages_are_delivered_by_the_celery_task(
    eager_celery: None, evermemos_server: EverMemOSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "start", lambda: pytest.fail("no thread with Celery"))
    with transaction.atomic():
        ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
        message = services.message_record(ticket=ticket, role="customer", body="It is off").message

    stored = evermemos_server.messages(ids.group_id(ticket.pk))
    assert [m["message_id"] for m in stored] == [ids.message_id(message.pk)]
    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_costs_latency_not_the_request(
    settings, closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = closed_port_url.replace("http://", "redis://") + "/0"
    settings.CELERY_BROKER_URL = url
    previous = point_celery_at(url)
    try:
        ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
        services.message_record(ticket=ticket, role="customer", body="It is off")
    finally:
        point_celery_at(previous)

    # Both writes committed; their entries wait for the periodic sweep.
    assert MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING).count() == 2
    assert "Could not queue mirror delivery" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_task_out_of_time_hands_the_rest_to_a_fresh_task(
    settings, evermemos_server: EverMemOSServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    settings.MIRROR_TASK_SECONDS = 0
    queued: list[dict] = []
    monkeypatch.setattr(deliver_mirror, "apply_async", lambda **options: queued.append(options))
    services.ticket_create(customer=CustomerFactory(), subject="Printer offline")

    delivered = deliver_mirror()

    assert delivered == 0
    assert len(queued) == 1
    assert MirrorEntry.objects.get().state == MirrorEntry.State.PENDING


@pytest.fixture
def shared_cache(settings, tmp_path) -> None:
    """A cache every process can see (file-based here; Redis in production)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture
def queued_tasks(settings, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # never reached: apply_async is ours
    queued: list[dict] = []
    monkeypatch.setattr(deliver_mirror, "apply_async", lambda **options: queued.append(options))
    return queued


@pytest.mark.django_db(transaction=True)
def test_one_queued_task_serves_every_commit_until_it_starts(
    shared_cache: None, queued_tasks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    for body in ("It is off", "Still off", "Any news?"):
        services.message_record(ticket=ticket, role="customer", body=body)
    assert len(queued_tasks) == 1

    # The task starts (it would claim all four entries); the next commit needs a new one.
    monkeypatch.setattr(
        "helpdesk.memory.tasks.mirror_deliver_due", lambda *a, **k: DeliveryReport()
    )
    deliver_mirror()
    services.message_record(ticket=ticket, role="customer", body="Hello?")

    assert len(queued_tasks) == 2


@pytest.mark.django_db(transaction=True)
def test_a_per_process_cache_cannot_deduplicate_so_every_commit_queues(
    queued_tasks: list[dict],
) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    services.message_record(ticket=ticket, role="customer", body="It is off")

    assert len(queued_tasks) == 2


@pytest.mark.django_db(transaction=True)
def test_a_task_that_could_not_be_queued_does_not_hold_back_the_next(
    shared_cache: None, queued_tasks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(**options):
        raise ConnectionError("broker down")

    monkeypatch.setattr(deliver_mirror, "apply_async", broker_down)
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    monkeypatch.setattr(deliver_mirror, "apply_async", lambda **o: queued_tasks.append(o))

    services.message_record(ticket=ticket, role="customer", body="It is off")

    assert len(queued_tasks) == 1
