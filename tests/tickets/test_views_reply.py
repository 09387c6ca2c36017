from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.models import Customer
from tests.factories import TicketFactory
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def reply(client: Client, ticket: Ticket, body: str, then_status: str = "") -> object:
    return client.post(f"/tickets/{ticket.pk}/reply/", {"body": body, "then_status": then_status})


def test_reply_stores_agent_message_with_author(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    reply(agent_client, ticket, "Please restart the router.")

    message = Message.objects.get(ticket=ticket)
    assert (message.role, message.author, message.body) == (
        Message.Role.AGENT,
        agent,
        "Please restart the router.",
    )


def test_reply_redirects_to_ticket_with_confirmation(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Hello", "then_status": ""}, follow=True
    )

    assert response.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    page = response.content.decode()
    # A chat ticket: nothing goes out (no chat channel yet), and the page does not say it did.
    assert f"Reply added to {ticket.reference} (not sent" in page
    assert "Reply sent" not in page


def test_reply_on_an_email_ticket_says_it_goes_out_by_email(
    agent_client: Client, ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(channel=Ticket.Channel.EMAIL)
    Customer.objects.filter(pk=ticket.customer_id).update(email="ada@customer.example")

    response = agent_client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Hello", "then_status": ""}, follow=True
    )

    page = response.content.decode()
    assert f"Reply sent by e-mail to ada@customer.example on {ticket.reference}." in page
    assert "E-mail to ada@customer.example is on its way." in page


def test_reply_keeps_status_by_default(agent_client: Client, ticket: Ticket) -> None:
    reply(agent_client, ticket, "Hello")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_reply_then_resolve_changes_status_with_event(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    reply(agent_client, ticket, "Fixed.", then_status="resolved")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        "open",
        "resolved",
        agent,
    )


def test_reply_then_pending_changes_status(agent_client: Client, ticket: Ticket) -> None:
    reply(agent_client, ticket, "Waiting for you.", then_status="pending")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING


def test_reply_then_unknown_status_is_400(agent_client: Client, ticket: Ticket) -> None:
    response = reply(agent_client, ticket, "Bye.", then_status="closed")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "\r\n"])
def test_reply_empty_body_is_400_with_error(
    agent_client: Client, ticket: Ticket, body: str
) -> None:
    response = reply(agent_client, ticket, body)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert 'role="alert"' in response.content.decode()  # type: ignore[attr-defined]
    assert not Message.objects.exists()


def test_reply_over_20000_chars_is_400(agent_client: Client, ticket: Ticket) -> None:
    response = reply(agent_client, ticket, "x" * 20_001)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not Message.objects.exists()


def test_reply_on_closed_ticket_stores_nothing_and_says_why(agent_client: Client) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = agent_client.post(
        f"/tickets/{ticket.pk}/reply/", {"body": "Hello?", "then_status": ""}, follow=True
    )

    assert "is closed and takes no more messages" in response.content.decode()
    assert not Message.objects.exists()


def test_reply_by_get_is_405(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(f"/tickets/{ticket.pk}/reply/").status_code == 405


def test_reply_to_unknown_ticket_is_404(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(f"/tickets/{ticket.pk + 1000}/reply/", {"body": "Hello"})

    assert response.status_code == 404


def test_reply_without_add_message_permission_is_403(
    readonly_client: Client, ticket: Ticket
) -> None:
    response = reply(readonly_client, ticket, "I only read.")

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not Message.objects.exists()
