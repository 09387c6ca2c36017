"""`POST /api/messages/batch/`: many messages, each on its ticket, one result per message."""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory.models import MirrorEntry
from tests.conftest import token_client
from tests.factories import CustomerFactory, IntegrationFactory, MessageFactory, TicketFactory
from tickets import services
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

URL = "/api/messages/batch/"


def item(ticket: Ticket, **fields: object) -> dict[str, object]:
    return {
        "ticket": ticket.pk,
        "role": "customer",
        "body": "It dropped again.",
        "created_at": "2024-05-08T13:57:10+00:00",
        **fields,
    }


def post(client: APIClient, messages: list[Any]) -> Any:
    return client.post(URL, {"messages": messages}, format="json")


def mirror_rows(**filters: object) -> list[tuple[object, ...]]:
    return list(
        MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MESSAGE, **filters)
        .order_by("message_id")
        .values_list("ticket_id", "customer_id", "message_id", "kind", "payload", "state")
    )


def test_created_duplicate_and_error_come_back_in_order(
    api_client: APIClient, ticket: Ticket
) -> None:
    stored = MessageFactory(ticket=ticket, external_id="D1:2")

    response = post(
        api_client,
        [
            item(ticket, external_id="D1:3"),
            item(ticket, external_id="D1:2", body="Sent again"),
            item(ticket, role="robot"),
            {"ticket": 999_999, "role": "customer", "body": "Nobody's ticket"},
        ],
    )

    assert response.status_code == 200
    results = response.json()["results"]
    created = Message.objects.get(external_id="D1:3")
    assert results[:2] == [
        {"index": 0, "status": "created", "id": created.pk},
        {"index": 1, "status": "duplicate", "id": stored.pk},
    ]
    assert results[2]["index"] == 2
    assert results[2]["status"] == "error"
    assert list(results[2]["errors"]) == ["role"]
    assert results[3] == {
        "index": 3,
        "status": "error",
        "errors": {"ticket": ["No ticket with id 999999."]},
    }
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_result_ids_are_the_stored_rows(api_client: APIClient, ticket: Ticket) -> None:
    bodies = [f"Message number {n}" for n in range(20)]

    response = post(api_client, [item(ticket, body=body) for body in bodies])

    ids = [result["id"] for result in response.json()["results"]]
    stored = dict(Message.objects.filter(pk__in=ids).values_list("pk", "body"))
    assert [stored[pk] for pk in ids] == bodies
    message = Message.objects.get(pk=ids[0])
    assert (message.role, message.author_name, message.posted_by.username) == (
        "customer",
        "Ada Lovelace",
        "maria",
    )
    assert message.created_at == datetime.datetime(2024, 5, 8, 13, 57, 10, tzinfo=datetime.UTC)


def test_duplicates_within_one_batch_get_the_first_ones_id(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = post(
        api_client,
        [
            item(ticket, external_id="X"),
            item(ticket, external_id="X", body="The same again"),
            item(other_ticket, external_id="X"),  # another ticket: its own message
        ],
    )

    first, again, other = response.json()["results"]
    assert (first["status"], again["status"], other["status"]) == (
        "created",
        "duplicate",
        "created",
    )
    assert again["id"] == first["id"]
    assert other["id"] != first["id"]
    assert Message.objects.filter(external_id="X").count() == 2


def test_a_failed_first_message_does_not_make_the_next_a_duplicate(
    api_client: APIClient, ticket: Ticket
) -> None:
    response = post(
        api_client,
        [item(ticket, external_id="X", body="   "), item(ticket, external_id="X")],
    )

    statuses = [result["status"] for result in response.json()["results"]]
    assert statuses == ["error", "created"]


def test_mixed_tickets_of_different_customers(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = post(api_client, [item(ticket), item(other_ticket), item(ticket)])

    ids = [result["id"] for result in response.json()["results"]]
    rows = Message.objects.filter(pk__in=ids).select_related("ticket")
    assert {(m.pk, m.ticket_id, m.author_name) for m in rows} == {
        (ids[0], ticket.pk, "Ada Lovelace"),
        (ids[1], other_ticket.pk, "Charles Babbage"),
        (ids[2], ticket.pk, "Ada Lovelace"),
    }
    assert mirror_rows() == [
        (ticket.pk, ticket.customer_id, ids[0], "message", {}, "pending"),
        (other_ticket.pk, other_ticket.customer_id, ids[1], "message", {}, "pending"),
        (ticket.pk, ticket.customer_id, ids[2], "message", {}, "pending"),
    ]


def test_every_created_message_has_exactly_one_mirror_entry(
    api_client: APIClient, ticket: Ticket
) -> None:
    MessageFactory(ticket=ticket, external_id="old")
    before = MirrorEntry.objects.count()

    response = post(
        api_client,
        [item(ticket, external_id=f"m{n}") for n in range(30)]
        + [item(ticket, external_id="old"), item(ticket, external_id="m1"), item(ticket, body="")],
    )

    created = [r["id"] for r in response.json()["results"] if r["status"] == "created"]
    assert len(created) == 30
    assert MirrorEntry.objects.count() == before + 30
    assert sorted(
        MirrorEntry.objects.filter(message_id__in=created).values_list("message_id", flat=True)
    ) == sorted(created)


def test_mirror_entries_are_those_a_single_post_writes(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    single = api_client.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"role": "customer", "body": "One at a time"},
        format="json",
    )
    batch = post(api_client, [item(other_ticket, body="In a batch")])

    def entry(message_id: int) -> dict[str, object]:
        values = MirrorEntry.objects.filter(message_id=message_id).values().get()
        for name in ("id", "ticket_id", "customer_id", "message_id", "created_at"):
            values.pop(name)
        values.pop("next_attempt_at")
        return values

    assert entry(batch.json()["results"][0]["id"]) == entry(single.json()["id"])


def test_agent_message_is_the_posting_agents(api_client: APIClient, ticket: Ticket) -> None:
    response = post(api_client, [item(ticket, role="agent", body="We replaced the router.")])

    message = Message.objects.get(pk=response.json()["results"][0]["id"])
    assert (message.author.username, message.posted_by.username, message.author_name) == (
        "maria",
        "maria",
        "",
    )


def test_author_name_needs_the_integration_permission(
    api_client: APIClient, ticket: Ticket
) -> None:
    response = post(api_client, [item(ticket, author_name="Head of Support"), item(ticket)])

    first, second = response.json()["results"]
    assert first["status"] == "error"
    assert "Only integrations" in first["errors"]["author_name"][0]
    assert second["status"] == "created"


def test_an_integration_may_sign_messages(ticket: Ticket) -> None:
    client = token_client(IntegrationFactory(username="crm-sync"))

    response = post(client, [item(ticket, author_name="Ada L. (via CRM)")])

    message = Message.objects.get(pk=response.json()["results"][0]["id"])
    assert (message.author_name, message.posted_by.username) == ("Ada L. (via CRM)", "crm-sync")


def test_closed_ticket_takes_no_message_but_a_duplicate_is_found(
    api_client: APIClient, ticket: Ticket
) -> None:
    stored = MessageFactory(ticket=ticket, external_id="before")
    services.ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=None)

    response = post(api_client, [item(ticket), item(ticket, external_id="before")])

    closed, duplicate = response.json()["results"]
    assert closed == {
        "index": 0,
        "status": "error",
        "errors": {"ticket": [f"{ticket.reference} is closed and takes no more messages."]},
    }
    assert duplicate == {"index": 1, "status": "duplicate", "id": stored.pk}


def test_customer_message_reopens_a_resolved_ticket_once(
    api_client: APIClient, ticket: Ticket
) -> None:
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)

    post(api_client, [item(ticket, role="agent"), item(ticket), item(ticket)])

    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Ticket.Status.OPEN, None)
    reopened = TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.STATUS_CHANGED, new_value=Ticket.Status.OPEN
    )
    assert reopened.count() == 1


def test_ticket_activity_is_the_newest_message(api_client: APIClient, ticket: Ticket) -> None:
    ticket.last_message_at = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    ticket.save()
    updated_before = Ticket.objects.get(pk=ticket.pk).updated_at

    post(
        api_client,
        [
            item(ticket, created_at="2024-05-09T08:00:00+02:00"),
            item(ticket, created_at="2024-05-08T10:00:00+00:00"),
        ],
    )

    ticket.refresh_from_db()
    assert ticket.last_message_at == datetime.datetime(2024, 5, 9, 6, tzinfo=datetime.UTC)
    assert ticket.updated_at > updated_before


def test_older_messages_leave_the_ticket_activity(api_client: APIClient, ticket: Ticket) -> None:
    newest = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    Ticket.objects.filter(pk=ticket.pk).update(last_message_at=newest)

    post(api_client, [item(ticket)])

    assert Ticket.objects.get(pk=ticket.pk).last_message_at == newest


def test_item_errors_name_their_fields(api_client: APIClient, ticket: Ticket) -> None:
    response = post(
        api_client,
        [
            item(ticket, created_at="2024-05-08T13:57:10"),  # naive
            item(ticket, body="x" * (settings.MESSAGE_BODY_MAX_LENGTH + 1)),
            item(ticket, external_id="e" * 129),
            {"role": "customer", "body": "No ticket"},
            {**item(ticket), "ticket": 99_999_999_999_999_999_999},  # past bigint
            "not an object",
            item(ticket, author_name="Two\nlines"),
        ],
    )

    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error"] * 7
    assert [sorted(r["errors"]) for r in results] == [
        ["created_at"],
        ["body"],
        ["external_id"],
        ["ticket"],
        ["ticket"],
        ["non_field_errors"],
        ["author_name"],
    ]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"messages": {}}',
        '{"messages": []}',
        '{"message": [{"ticket": 1}]}',
        '"messages"',
    ],
)
def test_bad_json_or_shape_is_400(api_client: APIClient, body: str) -> None:
    response = api_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_form_is_415(api_client: APIClient) -> None:
    response = api_client.post(URL, {"messages": "1"})

    assert response.status_code == 415


def test_more_than_500_messages_is_413(api_client: APIClient, ticket: Ticket) -> None:
    response = post(api_client, [item(ticket) for _ in range(501)])

    assert response.status_code == 413
    assert "at most 500" in response.json()["detail"]
    assert not Message.objects.exists()


def test_500_messages_are_taken(api_client: APIClient, ticket: Ticket) -> None:
    response = post(api_client, [item(ticket, body=f"Number {n}") for n in range(500)])

    assert response.status_code == 200
    assert Message.objects.count() == 500


def test_body_over_the_upload_limit_is_413(api_client: APIClient, ticket: Ticket) -> None:
    body = "x" * 6_000
    count = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // len(body) + 1
    payload = json.dumps({"messages": [item(ticket, body=body) for _ in range(count)]})
    assert count <= 500

    response = api_client.post(URL, payload, content_type="application/json")

    assert response.status_code == 413
    assert not Message.objects.exists()


def test_unauthenticated_is_401(anonymous_api_client: APIClient, ticket: Ticket) -> None:
    response = post(anonymous_api_client, [item(ticket)])

    assert response.status_code == 401
    assert not Message.objects.exists()


def test_non_agent_is_403(non_agent_api_client: APIClient, ticket: Ticket) -> None:
    response = post(non_agent_api_client, [item(ticket)])

    assert response.status_code == 403


def test_agent_who_may_not_post_messages_is_403(
    readonly_api_client: APIClient, ticket: Ticket
) -> None:
    response = post(readonly_api_client, [item(ticket)])

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_queries_do_not_grow_with_the_batch(api_client: APIClient) -> None:
    customers: list[Customer] = [CustomerFactory() for _ in range(3)]
    tickets = [TicketFactory(customer=customers[n % 3]) for n in range(6)]

    def queries(count: int) -> int:
        messages = [
            item(tickets[n % len(tickets)], external_id=f"{count}-{n}") for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert post(api_client, messages).status_code == 200
        return len(captured)

    assert queries(60) == queries(6)


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_store_each_external_id_once(agent: User) -> None:
    """Batches naming the same tickets in other orders neither deadlock nor store twice."""
    tickets = [TicketFactory(customer=CustomerFactory()) for _ in range(4)]
    keys = [(ticket, f"E{n}") for n in range(5) for ticket in tickets]
    orders = [keys, keys[::-1], keys[1:] + keys[:1], keys[::2] + keys[1::2]]
    answers: list[Any] = []

    def call(order: list[tuple[Ticket, str]]) -> None:
        try:
            client = APIClient()
            client.force_authenticate(agent)
            answers.append(post(client, [item(t, external_id=e) for t, e in order]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [answer.status_code for answer in answers] == [200] * len(orders)
    created = [
        result["id"]
        for answer in answers
        for result in answer.json()["results"]
        if result["status"] == "created"
    ]
    assert sorted(created) == sorted(Message.objects.values_list("pk", flat=True))
    assert Message.objects.count() == len(keys)
    assert sorted(mirror_message_ids()) == sorted(created)


def mirror_message_ids() -> list[int | None]:
    return list(
        MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MESSAGE).values_list(
            "message_id", flat=True
        )
    )
