"""`manage.py sync_memory` delivers the backlog and says when something stays failed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from helpdesk.memory import ids
from helpdesk.memory.models import MirrorEntry
from tests.factories import CustomerFactory
from tickets import services

pytestmark = pytest.mark.django_db


def test_sync_memory_wait_delivers_everything_through_retries(use_evermemos) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    message = services.message_record(ticket=ticket, role="customer", body="It is off").message
    use_evermemos.fail_next("/memories", 500, method="POST")
    out = StringIO()

    call_command("sync_memory", "--wait", "--timeout", "20", stdout=out)

    assert [m["message_id"] for m in use_evermemos.messages(ids.group_id(ticket.pk))] == [
        ids.message_id(message.pk)
    ]
    assert "0 pending, 0 failed" in out.getvalue()


def test_sync_memory_exits_non_zero_when_entries_stay_failed(settings, use_evermemos) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 1
    services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    use_evermemos.fail_next("/memories/conversation-meta", 500, method="POST")

    with pytest.raises(CommandError, match="1 entries failed"):
        call_command("sync_memory", "--wait", "--timeout", "5", stdout=StringIO())

    assert MirrorEntry.objects.get().state == MirrorEntry.State.FAILED


def test_retry_failed_queues_failed_entries_again(settings, use_evermemos) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 1
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    use_evermemos.fail_next("/memories/conversation-meta", 500, method="POST")
    with pytest.raises(CommandError):
        call_command("sync_memory", stdout=StringIO())

    call_command("sync_memory", "--retry-failed", "--wait", stdout=StringIO())

    assert use_evermemos.meta(ids.group_id(ticket.pk)) is not None
    assert MirrorEntry.objects.get().state == MirrorEntry.State.DELIVERED


def test_health_reports_the_backlog_and_failures(settings, use_evermemos) -> None:
    settings.MIRROR_MAX_ATTEMPTS = 1
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    services.message_record(ticket=ticket, role="customer", body="Still off")
    client = APIClient()

    waiting = client.get("/api/health/").json()
    assert waiting["outbox"]["pending"] == 2
    assert waiting["outbox"]["oldest_pending_age_seconds"] >= 0

    use_evermemos.fail_next("/memories/conversation-meta", 500, method="POST")
    with pytest.raises(CommandError):
        call_command("sync_memory", stdout=StringIO())
    degraded = client.get("/api/health/").json()

    assert degraded["status"] == "degraded"
    mirror = {
        "pending": 0,
        "retrying": 0,
        "failed": 1,
        "oldest_pending_age_seconds": None,
    }
    idle = {"pending": 0, "retrying": 0, "failed": 0, "oldest_pending_age_seconds": None}
    # The mirror's figures at the top (as before e-mail went out) and under its name.
    assert degraded["outbox"] == {**mirror, "memory": mirror, "email": idle, "webhooks": idle}
    assert degraded["memory"] == {"backend": "evermemos", "ok": False}
