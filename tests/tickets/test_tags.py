"""Tags on tickets: set on create and by PATCH, filtered in the API and the queue, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import token_client
from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def create(client: APIClient, customer: Any, **fields: Any) -> Any:
    return client.post(
        "/api/tickets/", {"customer": customer.pk, "subject": "Hi", **fields}, format="json"
    )


def test_tags_on_create_are_kept_once_whatever_their_case(
    api_client: APIClient, customer: Any
) -> None:
    response = create(api_client, customer, tags=["Billing", "  vip ", "billing", "outage"])

    assert response.status_code == 201
    assert response.json()["tags"] == ["Billing", "outage", "vip"]


@pytest.mark.parametrize(
    "tags",
    [["a,b"], ["x" * 51], [f"t{n}" for n in range(21)], "billing", [{"name": "x"}]],
)
def test_bad_tags_are_400(api_client: APIClient, customer: Any, tags: Any) -> None:
    response = create(api_client, customer, tags=tags)

    assert response.status_code == 400
    assert "tags" in response.json()
    assert not Ticket.objects.exists()


def test_patch_replaces_the_tags_and_records_it(
    api_client: APIClient, agent: User, ticket: Ticket
) -> None:
    url = f"/api/tickets/{ticket.pk}/"
    api_client.patch(url, {"tags": ["billing"]}, format="json")

    response = api_client.patch(url, {"tags": ["Outage", "VIP"], "priority": "high"}, format="json")

    assert response.status_code == 200
    assert response.json()["tags"] == ["Outage", "VIP"]
    assert response.json()["priority"] == "high"
    event = TicketEvent.objects.filter(kind=TicketEvent.Kind.TAGS_CHANGED).last()
    assert event is not None
    assert (event.old_value, event.new_value, event.actor) == ("billing", "Outage, VIP", agent)
    same = api_client.patch(url, {"tags": ["vip", "outage"]}, format="json")
    assert same.status_code == 200
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.TAGS_CHANGED).count() == 2
    cleared = api_client.patch(url, {"tags": []}, format="json")
    assert cleared.json()["tags"] == []


def test_patch_needs_the_change_permission(readonly_agent: User, ticket: Ticket) -> None:
    response = token_client(readonly_agent).patch(
        f"/api/tickets/{ticket.pk}/", {"tags": ["x"]}, format="json"
    )

    assert response.status_code == 403
    assert list(ticket.tags.names()) == []


def test_the_list_filters_by_tag_whatever_its_case(
    api_client: APIClient, customer: Any, django_assert_max_num_queries: Any
) -> None:
    tagged = [TicketFactory(customer=customer) for _ in range(3)]
    for n, ticket in enumerate(tagged):
        ticket.tags.set(["Billing", f"extra{n}"])
    TicketFactory(customer=customer).tags.set(["outage"])

    with django_assert_max_num_queries(8):
        response = api_client.get("/api/tickets/", {"tag": "billing"})

    assert sorted(t["id"] for t in response.json()["results"]) == sorted(t.pk for t in tagged)
    assert response.json()["results"][0]["tags"][0] == "Billing"


def test_an_agent_tags_in_the_portal_and_filters_the_queue(
    client: Client, agent: User, customer: Any
) -> None:
    ticket = TicketFactory(customer=customer, subject="Double charge")
    TicketFactory(customer=customer, subject="Untagged one")
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ticket.pk}/update/",
        {
            "status": ticket.status,
            "priority": ticket.priority,
            "assigned_to": "",
            "tags": "billing, Refund ,billing",
        },
        follow=True,
    )

    assert sorted(ticket.tags.names()) == ["Refund", "billing"]
    assert f"Updated tags of {ticket.reference}" in response.content.decode()
    queue = client.get("/tickets/", {"view": "all", "tag": "REFUND"}).content.decode()
    assert "Double charge" in queue
    assert "Untagged one" not in queue
    assert 'class="tag"' in queue


def test_a_bad_tag_in_the_portal_says_why(client: Client, agent: User, ticket: Ticket) -> None:
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ticket.pk}/update/",
        {"status": ticket.status, "priority": ticket.priority, "tags": "x" * 60},
    )

    assert response.status_code == 400
    assert "A tag is at most 50 characters" in response.content.decode()
