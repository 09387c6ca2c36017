"""Outgoing webhooks against a real HTTP subscriber on loopback: what arrives (signed, with
its headers and data), which events fire, retries, hangs, refusals, rollbacks, isolation."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.outbox import OutboxState
from helpdesk.privacy import customer_erase
from helpdesk.replies.composer import Handoff as WrittenHandoff
from helpdesk.webhooks.delivery import webhook_deliver_due
from helpdesk.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from tests.factories import CustomerFactory
from tests.webhooks.hook_server import HookServer, Received
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

ALL = list(WebhookEvent.values)


@pytest.fixture(autouse=True)
def _quick(settings: Settings) -> None:
    settings.WEBHOOK_TIMEOUT = 0.5
    settings.WEBHOOK_MAX_ATTEMPTS = 3


def _subscribe(
    server: HookServer, events: list[str] | None = None, **fields: object
) -> WebhookSubscription:
    subscription = WebhookSubscription(
        name="CRM", url=server.url, events=ALL if events is None else events, **fields
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def _ticket(customer: Customer | None = None, subject: str = "Router keeps rebooting") -> Ticket:
    return services.ticket_create(customer=customer or CustomerFactory(), subject=subject)


def _body(request: Received) -> dict:
    return json.loads(request.body)


def _events(server: HookServer) -> list[str]:
    return [_body(request)["event"] for request in server.received]


def _make_due() -> None:
    WebhookDelivery.objects.filter(state=OutboxState.PENDING).update(next_attempt_at=timezone.now())


def _escalate(ticket: Ticket, actor: User, assign_to: str) -> None:
    handoff = WrittenHandoff(
        reason="Needs a technician",
        subject=ticket.subject,
        customer_summary="",
        issue_summary="",
        attempted_solutions=(),
        customer_sentiment="neutral",
        relevant_history=(),
        open_questions=(),
        redactions=0,
        composer="test",
    )
    services.ticket_escalate(
        ticket=ticket,
        actor=actor,
        reason="Needs a technician",
        handoff=handoff,
        assign_to=assign_to,
    )


def test_an_event_arrives_signed_with_its_headers_and_data(hook_server: HookServer) -> None:
    subscription = _subscribe(hook_server)
    customer = CustomerFactory(name="Ada Lovelace", external_id="crm-ada")
    ticket = _ticket(customer)

    report = webhook_deliver_due()

    assert report.delivered == 1
    (request,) = hook_server.received
    assert request.path == "/hooks/"
    expected = hmac.new(subscription.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-helpdesk-signature"] == f"sha256={expected}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-helpdesk-event"] == "ticket.created"
    body = _body(request)
    assert request.headers["x-helpdesk-delivery"] == body["id"]
    assert body["event"] == "ticket.created"
    assert datetime.datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert body["data"]["ticket"] == {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": "Router keeps rebooting",
        "status": "open",
        "priority": "normal",
        "channel": "chat",
        "customer": {"id": customer.pk, "external_id": "crm-ada", "name": "Ada Lovelace"},
        "assigned_to": None,
        "created_at": ticket.created_at.isoformat(),
        "closed_at": None,
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)
    assert delivery.response_body == '{"ok": true}'
    assert delivery.duration_ms is not None
    assert str(delivery.event_id) == body["id"]


def test_each_event_fires_once_with_its_data(
    hook_server: HookServer, agent: User, other_agent: User
) -> None:
    _subscribe(hook_server)
    ticket = _ticket()
    message = services.message_record(
        ticket=ticket, role=Message.Role.CUSTOMER, body="It reboots every hour."
    ).message
    _escalate(ticket, agent, assign_to=other_agent.username)
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=other_agent)

    assert webhook_deliver_due().delivered == 4

    assert _events(hook_server) == [
        "ticket.created", "message.created", "ticket.escalated", "ticket.closed",
    ]  # fmt: skip
    created, posted, escalated, closed = (_body(request) for request in hook_server.received)
    assert len({body["id"] for body in (created, posted, escalated, closed)}) == 4
    assert posted["data"]["message"] == {
        "id": message.pk,
        "role": "customer",
        "author": message.display_author,
        "body": "It reboots every hour.",
        "created_at": message.created_at.isoformat(),
    }
    assert posted["data"]["ticket"]["id"] == ticket.pk
    assert escalated["data"]["ticket"]["status"] == "escalated"
    assert escalated["data"]["ticket"]["assigned_to"] == other_agent.username
    assert closed["data"]["ticket"]["status"] == "resolved"
    assert closed["data"]["ticket"]["closed_at"] is not None


def test_a_status_change_to_escalated_by_hand_fires_ticket_escalated(
    hook_server: HookServer, agent: User
) -> None:
    ticket = _ticket()
    _subscribe(hook_server, events=["ticket.escalated"])

    services.ticket_change_status(ticket=ticket, status=Ticket.Status.ESCALATED, actor=agent)
    services.ticket_change_status(ticket=ticket, status=Ticket.Status.ESCALATED, actor=agent)
    webhook_deliver_due()

    assert _events(hook_server) == ["ticket.escalated"]


def test_nothing_is_queued_without_a_subscriber_that_wants_it(hook_server: HookServer) -> None:
    _ticket()
    assert not WebhookDelivery.objects.exists()

    _subscribe(hook_server, is_active=False)
    _subscribe(hook_server, events=["ticket.closed"])
    _ticket()

    assert not WebhookDelivery.objects.exists()
    assert webhook_deliver_due().attempted == 0
    assert hook_server.received == []


def test_every_subscriber_gets_its_own_delivery_signed_with_its_own_secret(
    hook_server: HookServer,
) -> None:
    first = _subscribe(hook_server, events=["ticket.created"])
    second = _subscribe(hook_server, events=["ticket.created", "message.created"])
    _ticket()

    assert webhook_deliver_due().delivered == 2

    secrets = {first.secret, second.secret}
    assert len(secrets) == 2
    for request in hook_server.received:
        signed = {
            secret
            for secret in secrets
            if request.headers["x-helpdesk-signature"]
            == "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        }
        assert len(signed) == 1
    assert len({_body(request)["id"] for request in hook_server.received}) == 1  # one event


def test_a_500_is_retried_then_delivered(hook_server: HookServer) -> None:
    _subscribe(hook_server)
    hook_server.answers = [500]
    _ticket()

    report = webhook_deliver_due()

    assert (report.delivered, report.retrying) == (0, 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.last_error == "The subscriber answered 500"
    assert delivery.next_attempt_at > timezone.now()
    assert webhook_deliver_due().attempted == 0  # backing off

    _make_due()
    assert webhook_deliver_due().delivered == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    first, second = hook_server.received
    assert first.body == second.body  # the same event, the same bytes, the same id
    log = list(delivery.attempt_log.values_list("number", "response_status", "error"))
    assert log == [(1, 500, "The subscriber answered 500"), (2, 200, "")]
    assert first.headers["x-helpdesk-delivery"] == second.headers["x-helpdesk-delivery"]


def test_a_subscriber_that_keeps_failing_fails_after_the_last_attempt(
    hook_server: HookServer,
) -> None:
    _subscribe(hook_server)
    hook_server.default = 503
    _ticket()

    for _ in range(3):
        _make_due()
        webhook_deliver_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert len(hook_server.received) == 3
    _make_due()
    assert webhook_deliver_due().attempted == 0


def test_a_hanging_subscriber_costs_one_timeout_per_pass_and_is_retried(
    hook_server: HookServer,
) -> None:
    _subscribe(hook_server)
    hook_server.answers = ["hang"]
    _ticket()
    _ticket()

    started = time.monotonic()
    report = webhook_deliver_due()
    elapsed = time.monotonic() - started

    assert report.retrying == 2
    assert elapsed < 1.5  # one timeout (0.5 s), not one per delivery
    assert len(hook_server.received) == 1  # the second backed off with the first, untried
    first, second = WebhookDelivery.objects.order_by("id").values_list("last_error", flat=True)
    assert first.startswith("No answer within 0.5 s")
    hung, skipped = WebhookAttempt.objects.order_by("id")
    assert hung.response_status is None
    assert hung.duration_ms is not None
    assert 400 <= hung.duration_ms < 1500
    assert (skipped.duration_ms, skipped.error[:9]) == (None, "Not tried")
    assert second.startswith("Not tried: another delivery to this subscriber just failed (No")

    _make_due()
    assert webhook_deliver_due().delivered == 2
    assert WebhookDelivery.objects.filter(state="delivered").count() == 2


@pytest.mark.parametrize("status", [400, 401, 404, 410, 301])
def test_a_refusal_fails_at_once(hook_server: HookServer, status: int) -> None:
    _subscribe(hook_server)
    hook_server.answers = [status]
    _ticket()

    report = webhook_deliver_due()

    assert report.failed == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("failed", 1, status)
    assert len(hook_server.received) == 1  # a redirect is not followed either
    if status == 301:
        assert "redirects are not followed" in delivery.last_error


def test_429_is_retried_no_sooner_than_retry_after(hook_server: HookServer) -> None:
    _subscribe(hook_server)
    hook_server.answers = [429]
    hook_server.extra_headers = {"Retry-After": "120"}
    _ticket()

    webhook_deliver_due()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending"
    assert delivery.next_attempt_at >= timezone.now() + datetime.timedelta(seconds=110)


def test_an_unreachable_subscriber_is_retried(hook_server: HookServer) -> None:
    subscription = _subscribe(hook_server)
    subscription.url = "http://127.0.0.1:9/hooks/"  # discard port: nothing listens
    subscription.save()
    _ticket()

    assert webhook_deliver_due().retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_status is None
    assert delivery.last_error.startswith("Could not reach the subscriber")


def test_a_rolled_back_transaction_sends_nothing(hook_server: HookServer) -> None:
    _subscribe(hook_server)

    def changed_my_mind() -> None:
        with transaction.atomic():
            _ticket()
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        changed_my_mind()

    assert not WebhookDelivery.objects.exists()
    assert webhook_deliver_due().attempted == 0
    assert hook_server.received == []


def test_each_customer_event_carries_only_its_own_data(hook_server: HookServer) -> None:
    _subscribe(hook_server, events=["message.created"])
    ada = CustomerFactory(name="Ada Lovelace")
    bob = CustomerFactory(name="Bob Builder")
    ada_ticket = _ticket(ada, "Ada's router")
    bob_ticket = _ticket(bob, "Bob's modem")
    services.message_record(ticket=ada_ticket, role=Message.Role.CUSTOMER, body="Ada's secret")
    services.message_record(ticket=bob_ticket, role=Message.Role.CUSTOMER, body="Bob's secret")

    assert webhook_deliver_due().delivered == 2

    bodies = {
        _body(request)["data"]["ticket"]["customer"]["name"]: request.body
        for request in hook_server.received
    }
    assert set(bodies) == {"Ada Lovelace", "Bob Builder"}
    assert b"Bob" not in bodies["Ada Lovelace"]
    assert b"Ada" not in bodies["Bob Builder"]


def test_a_deactivated_subscription_gets_nothing_more(hook_server: HookServer) -> None:
    subscription = _subscribe(hook_server)
    _ticket()
    subscription.is_active = False
    subscription.save()

    assert webhook_deliver_due().failed == 1
    assert hook_server.received == []
    assert "deactivated" in WebhookDelivery.objects.get().last_error


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hooks", "file:///etc/passwd", "example.com/hooks", "not a url", "http://"],
)
def test_only_http_and_https_urls_are_accepted(url: str) -> None:
    subscription = WebhookSubscription(name="CRM", url=url, events=ALL)
    with pytest.raises(ValidationError) as raised:
        subscription.full_clean()
    assert "url" in raised.value.error_dict


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hooks", "https://crm.example.com/in?x=1"])
def test_http_and_https_urls_are_accepted(url: str) -> None:
    WebhookSubscription(name="CRM", url=url, events=ALL).full_clean()


@pytest.mark.parametrize("events", [[], ["ticket.deleted"], "ticket.created"])
def test_events_must_be_known(events: object) -> None:
    subscription = WebhookSubscription(name="CRM", url="https://crm.example.com/", events=events)
    with pytest.raises(ValidationError) as raised:
        subscription.full_clean()
    assert "events" in raised.value.error_dict


def test_each_subscription_gets_its_own_secret() -> None:
    first = WebhookSubscription.objects.create(name="A", url="https://a.example.com/")
    second = WebhookSubscription.objects.create(name="B", url="https://b.example.com/")
    assert len(first.secret) >= 40
    assert first.secret != second.secret
    assert first.events == ALL


def test_health_lists_webhook_deliveries(hook_server: HookServer, client: Client) -> None:
    _subscribe(hook_server)
    hook_server.answers = [410]
    _ticket()

    assert client.get("/api/health/").json()["outbox"]["webhooks"]["pending"] == 1
    webhook_deliver_due()

    body = client.get("/api/health/").json()
    assert body["outbox"]["webhooks"] == {
        "pending": 0,
        "retrying": 0,
        "failed": 1,
        "oldest_pending_age_seconds": None,
    }
    assert body["status"] == "degraded"


def test_the_admin_lists_deliveries_and_retries_failed_ones(
    hook_server: HookServer, superuser_client: Client
) -> None:
    subscription = _subscribe(hook_server)
    hook_server.answers = [500]
    _ticket()
    WebhookDelivery.objects.update(attempts=3)  # the last try
    webhook_deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"

    listing = superuser_client.get("/admin/webhooks/webhookdelivery/")
    assert listing.status_code == 200
    assert b"ticket.created" in listing.content
    page = superuser_client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b"The subscriber answered 500" in page.content  # its attempt log
    page = superuser_client.get(f"/admin/webhooks/webhooksubscription/{subscription.pk}/change/")
    assert subscription.secret.encode() in page.content

    superuser_client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    assert webhook_deliver_due().delivered == 1


def _subscription_queries(queries: CaptureQueriesContext) -> int:
    return sum("webhooks_webhooksubscription" in query["sql"] for query in queries)


def test_an_event_nobody_wants_costs_no_query_once_cached(hook_server: HookServer) -> None:
    _ticket()  # the subscriptions (none) are cached

    with CaptureQueriesContext(connection) as queries:
        _ticket()
    assert _subscription_queries(queries) == 0

    _subscribe(hook_server, events=["ticket.closed"])  # saving drops the cache
    _ticket()
    with CaptureQueriesContext(connection) as queries:
        _ticket()
    assert _subscription_queries(queries) == 0
    assert not WebhookDelivery.objects.exists()


def test_a_new_subscription_is_seen_at_once(hook_server: HookServer) -> None:
    _ticket()  # cached: nobody
    _subscribe(hook_server)
    _ticket()
    assert WebhookDelivery.objects.count() == 1


def test_when_the_cache_says_someone_wants_it_the_database_decides(
    hook_server: HookServer,
) -> None:
    _subscribe(hook_server)
    _ticket()  # cached: the subscription
    WebhookSubscription.objects.update(is_active=False)  # no signal: the cache is stale
    _ticket()
    assert WebhookDelivery.objects.count() == 1  # only the first ticket's


def test_the_admin_sends_a_test_event(hook_server: HookServer, superuser_client: Client) -> None:
    subscription = _subscribe(hook_server, events=["ticket.closed"])
    inactive = _subscribe(hook_server, is_active=False)

    response = superuser_client.post(
        "/admin/webhooks/webhooksubscription/",
        {"action": "send_test_event", "_selected_action": [subscription.pk, inactive.pk]},
        follow=True,
    )
    assert b"1 inactive skipped" in response.content
    assert webhook_deliver_due().delivered == 1

    (request,) = hook_server.received
    assert request.headers["x-helpdesk-event"] == "webhook.test"
    digest = hmac.new(subscription.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-helpdesk-signature"] == f"sha256={digest}"
    assert _body(request)["data"]["subscription"] == {"id": subscription.pk, "name": "CRM"}


def test_the_admin_form_takes_events_as_checkboxes_and_refuses_ftp(
    superuser_client: Client,
) -> None:
    form = {"name": "CRM", "url": "ftp://crm.example.com/", "events": ["ticket.created"]}
    response = superuser_client.post("/admin/webhooks/webhooksubscription/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert not WebhookSubscription.objects.exists()

    form["url"] = "https://crm.example.com/hooks"
    form["events"] = ["ticket.closed", "ticket.created"]
    form["is_active"] = "on"
    response = superuser_client.post("/admin/webhooks/webhooksubscription/add/", form)
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["ticket.created", "ticket.closed"]
    assert len(subscription.secret) >= 40


def test_erasing_a_customer_deletes_their_deliveries(
    hook_server: HookServer, superuser: User
) -> None:
    _subscribe(hook_server)
    ada = CustomerFactory(name="Ada Lovelace")
    _ticket(ada)
    _ticket(CustomerFactory(name="Bob Builder"))

    customer_erase(customer=ada, actor=superuser)

    (left,) = WebhookDelivery.objects.all()
    assert left.payload["data"]["ticket"]["customer"]["name"] == "Bob Builder"


def test_the_admin_finds_deliveries_by_ticket_and_event_id(
    hook_server: HookServer, superuser_client: Client
) -> None:
    _subscribe(hook_server)
    ticket = _ticket()
    delivery = WebhookDelivery.objects.get()

    for term in (str(ticket.pk), str(delivery.event_id)):
        response = superuser_client.get("/admin/webhooks/webhookdelivery/", {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1


def test_a_long_or_binary_answer_is_kept_as_a_short_excerpt(hook_server: HookServer) -> None:
    _subscribe(hook_server)
    hook_server.body = b"\x00\xff" + b"x" * 100_000
    _ticket()

    assert webhook_deliver_due().delivered == 1

    delivery = WebhookDelivery.objects.get()
    assert delivery.response_body.startswith("\ufffd\ufffdxxx")
    assert len(delivery.response_body) == 1000


def test_a_subscriber_that_comes_back_gets_its_backlog_at_once_and_only_it(
    hook_server: HookServer,
) -> None:
    back = _subscribe(hook_server)
    down = _subscribe(hook_server)
    down.url = "http://127.0.0.1:9/hooks/"  # nothing listens
    down.save()
    hook_server.answers = [500]
    _ticket()
    _ticket()

    assert webhook_deliver_due().retrying == 4
    first = WebhookDelivery.objects.filter(subscription=back).order_by("id").first()
    assert first is not None
    WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())

    assert webhook_deliver_due().delivered == 1  # the first; it wakes the other of `back`
    assert webhook_deliver_due().delivered == 1  # the other, without waiting its backoff

    assert set(
        WebhookDelivery.objects.filter(subscription=back).values_list("state", flat=True)
    ) == {"delivered"}
    waiting = WebhookDelivery.objects.filter(subscription=down)
    assert all(row.next_attempt_at > timezone.now() for row in waiting)  # still backing off


def test_a_delivery_whose_worker_died_is_sent_by_the_next(hook_server: HookServer) -> None:
    _subscribe(hook_server)
    _ticket()
    WebhookDelivery.objects.update(
        state=OutboxState.SENDING,
        attempts=1,
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )

    assert webhook_deliver_due().delivered == 1

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    assert len(hook_server.received) == 1


def test_a_batch_of_messages_fires_message_created_for_each(
    hook_server: HookServer, agent: User
) -> None:
    from tests.conftest import token_client

    ticket = _ticket()
    _subscribe(hook_server, events=["message.created"])

    response = token_client(agent).post(
        "/api/messages/batch/",
        {
            "messages": [
                {"ticket": ticket.pk, "role": "customer", "body": "First."},
                {"ticket": ticket.pk, "role": "customer", "body": "Second."},
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    assert webhook_deliver_due().delivered == 2
    bodies = [_body(request)["data"]["message"]["body"] for request in hook_server.received]
    assert sorted(bodies) == ["First.", "Second."]
