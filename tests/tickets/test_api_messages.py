from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.conftest import token_client
from tests.factories import IntegrationFactory, MessageFactory, TicketFactory
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def url(ticket: Ticket) -> str:
    return f"/api/tickets/{ticket.pk}/messages/"


def new_message(**fields: object) -> dict[str, object]:
    return {
        "role": "customer",
        "body": "It dropped again this morning.",
        "created_at": "2024-05-08T13:57:10+00:00",
        "external_id": "D1:3",
        **fields,
    }


def test_post_message_returns_201_with_id(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(url(ticket), new_message(), format="json")

    assert response.status_code == 201
    stored = Message.objects.get(pk=response.json()["id"])
    assert (stored.ticket_id, stored.body, stored.external_id) == (
        ticket.pk,
        "It dropped again this morning.",
        "D1:3",
    )


def test_post_message_answers_the_stored_message(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(url(ticket), new_message(), format="json")

    stored = Message.objects.get()
    assert response.json() == {
        "id": stored.pk,
        "ticket": ticket.pk,
        "role": "customer",
        "author": "Ada Lovelace",
        "posted_by": "maria",
        "body": "It dropped again this morning.",
        "created_at": "2024-05-08T13:57:10Z",
        "external_id": "D1:3",
    }


def test_post_message_repeated_external_id_is_200_with_same_id(
    api_client: APIClient, ticket: Ticket
) -> None:
    first = api_client.post(url(ticket), new_message(), format="json")

    again = api_client.post(url(ticket), new_message(body="Retried"), format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["body"] == "It dropped again this morning."


def test_post_message_repeated_external_id_creates_no_row(
    api_client: APIClient, ticket: Ticket
) -> None:
    api_client.post(url(ticket), new_message(), format="json")

    api_client.post(url(ticket), new_message(), format="json")

    assert Message.objects.filter(ticket=ticket).count() == 1


def test_post_message_without_external_id_creates_each_time(
    api_client: APIClient, ticket: Ticket
) -> None:
    payload = new_message()
    del payload["external_id"]

    first = api_client.post(url(ticket), payload, format="json")
    second = api_client.post(url(ticket), payload, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_post_message_null_external_id_is_accepted(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(url(ticket), new_message(external_id=None), format="json")

    assert response.status_code == 201
    assert response.json()["external_id"] is None


def test_post_agent_message_is_signed_by_api_user(
    api_client: APIClient, ticket: Ticket, agent: User
) -> None:
    response = api_client.post(url(ticket), new_message(role="agent"), format="json")

    assert Message.objects.get(pk=response.json()["id"]).author == agent
    assert response.json()["author"] == "Maria Garcia"


def test_post_customer_message_has_no_agent_author(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(url(ticket), new_message(), format="json")

    assert Message.objects.get(pk=response.json()["id"]).author is None
    assert response.json()["author"] == "Ada Lovelace"


def test_post_message_html_body_is_stored_as_sent(api_client: APIClient, ticket: Ticket) -> None:
    body = "<script>alert('x')</script> <b>&amp;</b>"

    response = api_client.post(url(ticket), new_message(body=body), format="json")

    assert Message.objects.get(pk=response.json()["id"]).body == body


def test_post_message_unknown_role_is_400(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(url(ticket), new_message(role="robot"), format="json")

    assert response.status_code == 400
    assert "role" in response.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "\n\t \n"])
def test_post_message_empty_body_is_400(api_client: APIClient, ticket: Ticket, body: str) -> None:
    response = api_client.post(url(ticket), new_message(body=body), format="json")

    assert response.status_code == 400
    assert "body" in response.json()
    assert not Message.objects.exists()


def test_post_message_missing_body_is_400(api_client: APIClient, ticket: Ticket) -> None:
    payload = new_message()
    del payload["body"]

    response = api_client.post(url(ticket), payload, format="json")

    assert response.status_code == 400
    assert "body" in response.json()


def test_post_message_body_of_20000_chars_is_accepted(
    api_client: APIClient, ticket: Ticket
) -> None:
    response = api_client.post(url(ticket), new_message(body="x" * 20_000), format="json")

    assert response.status_code == 201


def test_post_message_body_over_20000_chars_is_rejected_with_clear_message(
    api_client: APIClient, ticket: Ticket
) -> None:
    response = api_client.post(url(ticket), new_message(body="x" * 20_001), format="json")

    assert response.status_code in {400, 413}
    message = str(response.json()["body"]).replace(",", "")
    assert "20000" in message
    assert not Message.objects.exists()


def test_post_message_naive_created_at_is_400(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        url(ticket), new_message(created_at="2024-05-08T13:57:10"), format="json"
    )

    assert response.status_code == 400
    assert "time zone" in response.json()["created_at"][0]
    assert not Message.objects.exists()


def test_post_message_on_closed_ticket_is_409(api_client: APIClient) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = api_client.post(url(ticket), new_message(), format="json")

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    assert not Message.objects.exists()


def test_post_customer_message_on_resolved_ticket_reopens_it(api_client: APIClient) -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    api_client.post(url(ticket), new_message(), format="json")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_post_message_on_unknown_ticket_is_404(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk + 1000}/messages/", new_message(), format="json"
    )

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_list_messages_holds_only_that_tickets_messages_in_order(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    first = MessageFactory(ticket=ticket, body="first")
    second = MessageFactory(ticket=ticket, body="second")
    MessageFactory(ticket=other_ticket, body="someone else's")

    response = api_client.get(url(ticket))

    assert [m["id"] for m in response.json()["results"]] == [first.pk, second.pk]


def test_list_messages_of_unknown_ticket_is_404(api_client: APIClient, ticket: Ticket) -> None:
    assert api_client.get(f"/api/tickets/{ticket.pk + 1000}/messages/").status_code == 404


def test_post_message_author_name_with_a_line_break_is_400(ticket: Ticket) -> None:
    integration = token_client(IntegrationFactory())  # may set author_name at all

    response = integration.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"role": "customer", "body": "Hi", "author_name": "Ada\nBcc: x@example.com"},
        format="json",
    )

    assert response.status_code == 400
    assert "must be one line" in response.json()["author_name"][0]
    assert not Message.objects.exists()
