from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def new_ticket(customer: Customer, **fields: object) -> dict[str, object]:
    return {
        "customer": customer.pk,
        "subject": "Router keeps dropping",
        "channel": "chat",
        "created_at": "2024-05-08T13:56:00+00:00",
        **fields,
    }


def test_create_ticket_returns_201_with_reference_and_status(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.post("/api/tickets/", new_ticket(customer), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["reference"] == f"T-{body['id']:06d}"
    assert (body["status"], body["assigned_to"], body["customer"]) == ("open", None, customer.pk)


def test_create_ticket_keeps_given_created_at(api_client: APIClient, customer: Customer) -> None:
    response = api_client.post("/api/tickets/", new_ticket(customer), format="json")

    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.created_at == datetime.datetime(2024, 5, 8, 13, 56, tzinfo=datetime.UTC)


def test_create_ticket_without_created_at_uses_now(
    api_client: APIClient, customer: Customer
) -> None:
    payload = new_ticket(customer)
    del payload["created_at"]
    before = timezone.now()

    response = api_client.post("/api/tickets/", payload, format="json")

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert before <= ticket.created_at <= timezone.now()


def test_create_ticket_records_event_with_api_user(
    api_client: APIClient, customer: Customer, agent: User
) -> None:
    response = api_client.post("/api/tickets/", new_ticket(customer), format="json")

    event = TicketEvent.objects.get(ticket_id=response.json()["id"])
    assert (event.kind, event.actor) == (TicketEvent.Kind.CREATED, agent)


def test_create_ticket_unknown_customer_is_400(api_client: APIClient, customer: Customer) -> None:
    payload = {**new_ticket(customer), "customer": customer.pk + 1000}

    response = api_client.post("/api/tickets/", payload, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()
    assert not Ticket.objects.exists()


def test_create_ticket_naive_created_at_is_400(api_client: APIClient, customer: Customer) -> None:
    response = api_client.post(
        "/api/tickets/", new_ticket(customer, created_at="2024-05-08T13:56:00"), format="json"
    )

    assert response.status_code == 400
    assert "time zone" in response.json()["created_at"][0]
    assert not Ticket.objects.exists()


def test_create_ticket_garbled_created_at_is_400(api_client: APIClient, customer: Customer) -> None:
    response = api_client.post(
        "/api/tickets/", new_ticket(customer, created_at="yesterday"), format="json"
    )

    assert response.status_code == 400
    assert "created_at" in response.json()


def test_create_ticket_unknown_channel_is_400(api_client: APIClient, customer: Customer) -> None:
    response = api_client.post(
        "/api/tickets/", new_ticket(customer, channel="pigeon"), format="json"
    )

    assert response.status_code == 400
    assert "channel" in response.json()
    assert not Ticket.objects.exists()


def test_create_ticket_subject_over_200_chars_is_400(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.post(
        "/api/tickets/", new_ticket(customer, subject="x" * 201), format="json"
    )

    assert response.status_code == 400
    assert "subject" in response.json()


def test_create_ticket_html_subject_is_stored_as_sent(
    api_client: APIClient, customer: Customer
) -> None:
    subject = '<script>alert("x")</script> & <b>bold</b>'

    response = api_client.post(
        "/api/tickets/", new_ticket(customer, subject=subject), format="json"
    )

    assert response.json()["subject"] == subject
    assert Ticket.objects.get(pk=response.json()["id"]).subject == subject


def test_get_ticket_returns_record(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.get(f"/api/tickets/{ticket.pk}/")

    assert response.status_code == 200
    assert response.json()["reference"] == ticket.reference
    assert response.json()["customer_name"] == "Ada Lovelace"


def test_get_unknown_ticket_is_404(api_client: APIClient, ticket: Ticket) -> None:
    assert api_client.get(f"/api/tickets/{ticket.pk + 1000}/").status_code == 404


def test_get_ticket_with_non_numeric_id_is_404(api_client: APIClient) -> None:
    assert api_client.get("/api/tickets/abc/").status_code == 404


def test_list_tickets_filtered_by_customer_holds_only_theirs(
    api_client: APIClient, customer: Customer, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = api_client.get("/api/tickets/", {"customer": customer.pk})

    assert [t["id"] for t in response.json()["results"]] == [ticket.pk]


def test_list_tickets_filtered_by_status(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=other_ticket.pk).update(status="pending")

    response = api_client.get("/api/tickets/", {"status": "pending"})

    assert [t["id"] for t in response.json()["results"]] == [other_ticket.pk]


def test_list_tickets_filtered_by_assignee_and_unassigned(
    api_client: APIClient, agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(assigned_to=agent)

    mine = api_client.get("/api/tickets/", {"assigned_to": "maria"}).json()["results"]
    nobodys = api_client.get("/api/tickets/", {"unassigned": "true"}).json()["results"]

    assert [t["id"] for t in mine] == [ticket.pk]
    assert [t["id"] for t in nobodys] == [other_ticket.pk]


def test_list_tickets_search_by_reference(
    api_client: APIClient, ticket: Ticket, other_ticket: Ticket
) -> None:
    response = api_client.get("/api/tickets/", {"q": other_ticket.reference.lower()})

    assert [t["id"] for t in response.json()["results"]] == [other_ticket.pk]


def test_close_ticket_resolves_it(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": "resolved"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED


def test_close_ticket_without_body_resolves_it(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(f"/api/tickets/{ticket.pk}/close/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"


def test_close_ticket_closes_it_with_event(
    api_client: APIClient, ticket: Ticket, agent: User
) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": "closed"}, format="json"
    )

    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"] is not None
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.new_value, event.actor) == ("closed", agent)


@pytest.mark.parametrize("status", ["open", "escalated", "done"])
def test_close_ticket_invalid_status_is_400(
    api_client: APIClient, ticket: Ticket, status: str
) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": status}, format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_close_ticket_already_closed_is_409(api_client: APIClient) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": "closed"}, format="json"
    )

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_close_ticket_resolving_closed_ticket_is_409(api_client: APIClient) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": "resolved"}, format="json"
    )

    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_close_ticket_resolving_resolved_ticket_is_409(api_client: APIClient) -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    response = api_client.post(
        f"/api/tickets/{ticket.pk}/close/", {"status": "resolved"}, format="json"
    )

    assert response.status_code == 409


def test_close_unknown_ticket_is_404(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk + 1000}/close/", {"status": "closed"}, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "subject", ["Refund\r\nBcc: everyone@example.com", "Refund\nplease", "Refund\u2028please"]
)
def test_create_ticket_subject_with_a_line_break_is_400(
    api_client: APIClient, customer: Customer, subject: str
) -> None:
    response = api_client.post(
        "/api/tickets/", new_ticket(customer, subject=subject), format="json"
    )

    assert response.status_code == 400
    assert "must be one line" in response.json()["subject"][0]
    assert not Ticket.objects.exists()
