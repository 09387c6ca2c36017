from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from customers.models import Customer
from tests.factories import CustomerFactory, MessageFactory, TicketFactory
from tickets.models import Ticket
from tickets.selectors import ticket_queue

pytestmark = pytest.mark.django_db


def subjects(tickets: object) -> set[str]:
    return {ticket.subject for ticket in tickets}  # type: ignore[attr-defined]


@pytest.fixture
def board(agent: User, other_agent: User, customer: Customer) -> None:
    """One ticket for each situation a queue view has to sort out."""
    TicketFactory(customer=customer, subject="mine open", assigned_to=agent)
    TicketFactory(
        customer=customer, subject="mine pending", assigned_to=agent, status=Ticket.Status.PENDING
    )
    TicketFactory(customer=customer, subject="mine resolved", assigned_to=agent, status="resolved")
    TicketFactory(customer=customer, subject="theirs open", assigned_to=other_agent)
    TicketFactory(customer=customer, subject="nobody open")
    TicketFactory(customer=customer, subject="nobody escalated", status="escalated")
    TicketFactory(customer=customer, subject="theirs escalated", status="escalated",
                  assigned_to=other_agent)  # fmt: skip
    TicketFactory(customer=customer, subject="nobody closed", status=Ticket.Status.CLOSED)


@pytest.mark.usefixtures("board")
def test_ticket_queue_mine_shows_my_active_tickets(agent: User) -> None:
    assert subjects(ticket_queue(user=agent, view="mine")) == {"mine open", "mine pending"}


@pytest.mark.usefixtures("board")
def test_ticket_queue_unassigned_shows_active_tickets_nobody_holds(agent: User) -> None:
    assert subjects(ticket_queue(user=agent, view="unassigned")) == {
        "nobody open",
        "nobody escalated",
    }


@pytest.mark.usefixtures("board")
def test_ticket_queue_escalated_shows_escalated_tickets_of_anyone(agent: User) -> None:
    assert subjects(ticket_queue(user=agent, view="escalated")) == {
        "nobody escalated",
        "theirs escalated",
    }


@pytest.mark.usefixtures("board")
def test_ticket_queue_open_shows_every_active_ticket(agent: User) -> None:
    assert subjects(ticket_queue(user=agent, view="open")) == {
        "mine open",
        "mine pending",
        "theirs open",
        "nobody open",
        "nobody escalated",
        "theirs escalated",
    }


@pytest.mark.usefixtures("board")
def test_ticket_queue_all_includes_done_tickets(agent: User) -> None:
    assert len(ticket_queue(user=agent, view="all")) == 8


@pytest.mark.usefixtures("board")
def test_ticket_queue_status_filter_narrows_view(agent: User) -> None:
    tickets = ticket_queue(user=agent, view="all", status=Ticket.Status.RESOLVED)

    assert subjects(tickets) == {"mine resolved"}


def test_ticket_queue_newest_activity_comes_first(agent: User, customer: Customer) -> None:
    now = timezone.now()
    TicketFactory(customer=customer, subject="older", last_message_at=now - datetime.timedelta(1))
    TicketFactory(customer=customer, subject="newer", last_message_at=now)

    tickets = ticket_queue(user=agent, view="all")

    assert [ticket.subject for ticket in tickets] == ["newer", "older"]


@pytest.mark.parametrize("query", ["T-000042", "t-42", "T42", " t-000042 "])
def test_ticket_queue_search_by_reference_finds_that_ticket(
    agent: User, customer: Customer, query: str
) -> None:
    # Explicit ids only, so that no id comes from a sequence that may already be at 42.
    TicketFactory(id=42, customer=customer, subject="the one")
    TicketFactory(id=420, customer=customer, subject="mentions T-000042 in the subject")
    TicketFactory(id=4200, customer=customer, subject="T-000042 again")

    assert subjects(ticket_queue(user=agent, view="all", query=query)) == {"the one"}


def test_ticket_queue_search_matches_subject_case_insensitively(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert subjects(ticket_queue(user=agent, view="all", query="ROUTER")) == {
        "Router keeps dropping"
    }


def test_ticket_queue_search_matches_customer_name(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert subjects(ticket_queue(user=agent, view="all", query="babbage")) == {
        "Invoice shows the wrong address"
    }


def test_ticket_queue_search_matches_message_text(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    MessageFactory(ticket=other_ticket, body="My Fritzbox 7590 blinks red.")
    MessageFactory(ticket=ticket, body="Nothing relevant here.")

    assert subjects(ticket_queue(user=agent, view="all", query="fritzbox")) == {
        "Invoice shows the wrong address"
    }


def test_ticket_queue_search_lists_ticket_once_when_many_messages_match(
    agent: User, ticket: Ticket
) -> None:
    MessageFactory.create_batch(3, ticket=ticket, body="fritzbox again")

    assert len(ticket_queue(user=agent, view="all", query="fritzbox")) == 1


def test_ticket_queue_search_without_match_is_empty(agent: User, ticket: Ticket) -> None:
    assert not ticket_queue(user=agent, view="all", query="no such words").exists()


def test_ticket_queue_blank_search_keeps_everything(
    agent: User, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert len(ticket_queue(user=agent, view="all", query="   ")) == 2


def test_ticket_queue_search_by_customer_email(agent: User) -> None:
    someone = CustomerFactory(email="grace@navy.example")
    TicketFactory(customer=someone, subject="from grace")
    TicketFactory(subject="from someone else")

    assert subjects(ticket_queue(user=agent, view="all", query="grace@navy")) == {"from grace"}
