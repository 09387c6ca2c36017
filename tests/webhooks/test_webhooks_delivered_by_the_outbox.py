"""Webhooks go out by the outbox's own deliverers (the worker thread after commit, the Celery
task), and the bulk import fires none."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from helpdesk.memory import worker
from helpdesk.memory.tasks import deliver_mirror
from helpdesk.outbox import OutboxState
from helpdesk.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.factories import CustomerFactory
from tests.waiting import wait_until
from tests.webhooks.hook_server import HookServer
from tickets import services
from tickets.models import Message
from tickets.services.bulk import ImportCustomer, ImportMessage, ImportTicket, bulk_import


@pytest.fixture
def subscription(hook_server: HookServer) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="CRM", url=hook_server.url, events=list(WebhookEvent.values)
    )


@pytest.fixture
def running_worker() -> Iterator[None]:
    worker.enable()
    yield
    worker.stop()


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_posts_the_events_after_commit(
    subscription: WebhookSubscription, hook_server: HookServer, running_worker: None
) -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="It is off")

    wait_until(
        lambda: WebhookDelivery.objects.filter(state=OutboxState.DELIVERED).count() == 2,
        timeout=10,
        what="the worker to post both events",
    )

    assert sorted(json.loads(request.body)["event"] for request in hook_server.received) == [
        "message.created",
        "ticket.created",
    ]
    for request in hook_server.received:
        digest = hmac.new(subscription.secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-helpdesk-signature"] == f"sha256={digest}"


@pytest.mark.django_db
def test_the_celery_task_posts_the_events(
    subscription: WebhookSubscription, hook_server: HookServer
) -> None:
    services.ticket_create(customer=CustomerFactory(), subject="Printer offline")

    deliver_mirror()

    assert WebhookDelivery.objects.get().state == OutboxState.DELIVERED
    assert [request.headers["x-helpdesk-event"] for request in hook_server.received] == [
        "ticket.created"
    ]


@pytest.mark.django_db
def test_the_bulk_import_fires_no_webhooks(
    subscription: WebhookSubscription, hook_server: HookServer
) -> None:
    start = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    report = bulk_import(
        customers=[
            ImportCustomer(
                external_id="crm-1",
                name="Ada Lovelace",
                created_at=start,
                tickets=(
                    ImportTicket(
                        subject="Router drops",
                        created_at=start,
                        status="resolved",
                        messages=(
                            ImportMessage(
                                role=Message.Role.CUSTOMER,
                                body="My router drops.",
                                created_at=start,
                                author_name="",
                                external_id="src-1",
                            ),
                        ),
                    ),
                ),
            )
        ]
    )

    assert report.tickets == 1
    assert not WebhookDelivery.objects.exists()
