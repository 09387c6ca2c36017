from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from customers.models import Customer
from tests.factories import MessageFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

QUEUE = reverse("tickets:queue")


def shown(client: Client, **params: str) -> set[str]:
    """Subjects of the tickets listed on the queue page."""
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return {ticket.subject for ticket in response.context["page"].object_list}


def test_queue_shows_view_tabs_and_status_filter(agent_client: Client) -> None:
    html = agent_client.get(QUEUE).content.decode()

    for label in ["All open", "Mine", "Unassigned", "Escalated", "All"]:
        assert f">{label}</a>" in html
    assert '<select id="status" name="status">' in html
    assert 'name="q"' in html


def test_queue_marks_current_view(agent_client: Client) -> None:
    html = agent_client.get(QUEUE, {"view": "mine"}).content.decode()

    assert '<a href="?view=mine" aria-current="page">Mine</a>' in html


def test_queue_lists_ticket_with_customer_and_link(agent_client: Client, ticket: Ticket) -> None:
    html = agent_client.get(QUEUE).content.decode()

    assert ticket.reference in html
    assert "Router keeps dropping" in html
    assert "Ada Lovelace" in html
    assert f'href="/tickets/{ticket.pk}/"' in html


def test_queue_default_view_hides_done_tickets(agent_client: Client, ticket: Ticket) -> None:
    TicketFactory(subject="finished", status=Ticket.Status.CLOSED)

    assert shown(agent_client) == {"Router keeps dropping"}


def test_queue_mine_shows_only_my_tickets(
    agent_client: Client, agent: User, other_agent: User, customer: Customer
) -> None:
    TicketFactory(customer=customer, subject="mine", assigned_to=agent)
    TicketFactory(customer=customer, subject="theirs", assigned_to=other_agent)

    assert shown(agent_client, view="mine") == {"mine"}


def test_queue_unassigned_shows_tickets_nobody_holds(
    agent_client: Client, agent: User, customer: Customer
) -> None:
    TicketFactory(customer=customer, subject="mine", assigned_to=agent)
    TicketFactory(customer=customer, subject="free")

    assert shown(agent_client, view="unassigned") == {"free"}


def test_queue_escalated_shows_escalated_tickets(agent_client: Client, ticket: Ticket) -> None:
    TicketFactory(subject="hot", status=Ticket.Status.ESCALATED)

    assert shown(agent_client, view="escalated") == {"hot"}


def test_queue_all_includes_closed_tickets(agent_client: Client, ticket: Ticket) -> None:
    TicketFactory(subject="finished", status=Ticket.Status.CLOSED)

    assert shown(agent_client, view="all") == {"Router keeps dropping", "finished"}


def test_queue_unknown_view_falls_back_to_open(agent_client: Client, ticket: Ticket) -> None:
    TicketFactory(subject="finished", status=Ticket.Status.CLOSED)

    assert shown(agent_client, view="everything") == {"Router keeps dropping"}


def test_queue_status_filter(agent_client: Client, ticket: Ticket) -> None:
    TicketFactory(subject="waiting", status=Ticket.Status.PENDING)

    assert shown(agent_client, view="all", status="pending") == {"waiting"}


def test_queue_unknown_status_filter_is_ignored(agent_client: Client, ticket: Ticket) -> None:
    assert shown(agent_client, status="lost") == {"Router keeps dropping"}


def test_queue_search_by_reference(
    agent_client: Client, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert shown(agent_client, q=f"t-{other_ticket.pk}") == {"Invoice shows the wrong address"}


def test_queue_search_by_message_text(
    agent_client: Client, ticket: Ticket, other_ticket: Ticket
) -> None:
    MessageFactory(ticket=ticket, body="The Fritzbox blinks red")

    assert shown(agent_client, q="fritzbox") == {"Router keeps dropping"}


def test_queue_search_by_customer_name(
    agent_client: Client, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert shown(agent_client, q="Lovelace") == {"Router keeps dropping"}


def test_queue_empty_state(agent_client: Client) -> None:
    html = agent_client.get(QUEUE).content.decode()

    assert "No tickets here." in html
    assert "When customers write in" in html


def test_queue_empty_search_offers_to_clear_it(agent_client: Client, ticket: Ticket) -> None:
    html = agent_client.get(QUEUE, {"q": "no such words"}).content.decode()

    assert "Nothing matches this search." in html


def test_queue_escapes_subject(agent_client: Client) -> None:
    TicketFactory(subject="<script>alert(1)</script>")

    html = agent_client.get(QUEUE).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_queue_first_page_holds_page_size_tickets(
    agent_client: Client, customer: Customer, settings: Settings
) -> None:
    settings.PAGE_SIZE = 2
    TicketFactory.create_batch(3, customer=customer)

    response = agent_client.get(QUEUE)

    assert len(response.context["page"].object_list) == 2
    assert "Page 1 of 2" in response.content.decode()


def test_queue_second_page_holds_the_rest(
    agent_client: Client, customer: Customer, settings: Settings
) -> None:
    settings.PAGE_SIZE = 2
    TicketFactory.create_batch(3, customer=customer)

    response = agent_client.get(QUEUE, {"page": 2})

    assert len(response.context["page"].object_list) == 1
    assert "Page 2 of 2" in response.content.decode()


def test_queue_page_links_keep_the_filters(
    agent_client: Client, customer: Customer, settings: Settings
) -> None:
    settings.PAGE_SIZE = 2
    TicketFactory.create_batch(3, customer=customer)

    html = agent_client.get(QUEUE, {"view": "all", "page": 1}).content.decode()

    assert 'href="?view=all&amp;page=2"' in html


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_queue_bad_page_number_still_renders(
    agent_client: Client, customer: Customer, settings: Settings, page: str
) -> None:
    settings.PAGE_SIZE = 2
    TicketFactory.create_batch(3, customer=customer)

    assert agent_client.get(QUEUE, {"page": page}).status_code == 200
