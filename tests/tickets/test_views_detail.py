from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import AgentFactory, MessageFactory, TicketFactory
from tickets.models import Ticket
from tickets.services import ticket_assign, ticket_change_status

pytestmark = pytest.mark.django_db


def page(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_detail_shows_ticket_head(agent_client: Client, ticket: Ticket) -> None:
    html = page(agent_client, ticket)

    assert ticket.reference in html
    assert "<h1>Router keeps dropping</h1>" in html
    assert "Unassigned" in html


def test_detail_shows_conversation_in_order(agent_client: Client, ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="First, from the customer")
    MessageFactory(ticket=ticket, role="agent", body="Then the agent answers")

    html = page(agent_client, ticket)

    assert html.index("First, from the customer") < html.index("Then the agent answers")
    assert "2 messages" in html


def test_detail_shows_customer_panel(agent_client: Client, ticket: Ticket) -> None:
    html = page(agent_client, ticket)

    assert "Ada Lovelace" in html
    assert "crm-4711" in html
    assert f'href="/customers/{ticket.customer_id}/"' in html


def test_detail_shows_activity(agent_client: Client, ticket: Ticket, agent: User) -> None:
    ticket_change_status(ticket=ticket, status="pending", actor=agent)

    html = page(agent_client, ticket)

    assert "Status changed" in html
    assert "open → pending" in html
    assert "by Maria Garcia" in html


def test_detail_escapes_script_in_subject(agent_client: Client) -> None:
    ticket = TicketFactory(subject='<script>alert("subject")</script>')

    html = page(agent_client, ticket)

    assert "&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;" in html
    assert '<script>alert("subject")</script>' not in html


def test_detail_escapes_script_in_message_body(agent_client: Client, ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body='<script>alert("body")</script>\nsecond line')

    html = page(agent_client, ticket)

    assert "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;<br>second line" in html
    assert '<script>alert("body")</script>' not in html


def test_detail_escapes_author_name(agent_client: Client, ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, author_name="<img src=x onerror=alert(1)>")

    html = page(agent_client, ticket)

    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html


def test_detail_without_messages_shows_empty_state(agent_client: Client, ticket: Ticket) -> None:
    assert "No messages yet." in page(agent_client, ticket)


def test_detail_of_closed_ticket_has_no_reply_form(agent_client: Client) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    html = page(agent_client, ticket)

    assert "This ticket is closed and takes no more messages." in html
    assert f'action="/tickets/{ticket.pk}/reply/"' not in html


def test_detail_offers_take_to_agent_who_may_assign(agent_client: Client, ticket: Ticket) -> None:
    assert f'action="/tickets/{ticket.pk}/take/"' in page(agent_client, ticket)


def test_detail_hides_take_when_ticket_is_already_mine(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)

    assert f'action="/tickets/{ticket.pk}/take/"' not in page(agent_client, ticket)


def test_detail_hides_assignment_from_agent_who_may_not_assign(
    readonly_client: Client, ticket: Ticket
) -> None:
    html = page(readonly_client, ticket)

    assert f'action="/tickets/{ticket.pk}/take/"' not in html
    assert 'name="assigned_to"' not in html


def test_detail_of_unknown_ticket_is_404(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(f"/tickets/{ticket.pk + 1000}/").status_code == 404


def _queries(client: Client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
    return len(queries)


def test_detail_query_count_does_not_grow_with_conversation(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    MessageFactory(ticket=ticket, role="agent", author=agent, author_name="")
    ticket_change_status(ticket=ticket, status="pending", actor=agent)
    few = _queries(agent_client, ticket)
    for _ in range(4):
        writer = AgentFactory()
        MessageFactory(ticket=ticket, role="agent", author=writer, author_name="")
        ticket_assign(ticket=ticket, assignee=writer, actor=writer)

    assert _queries(agent_client, ticket) == few
