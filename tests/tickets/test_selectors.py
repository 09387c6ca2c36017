from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from tests.factories import AgentFactory, MessageFactory, SuperuserFactory, TicketFactory
from tickets.models import Ticket
from tickets.selectors import agent_list, customer_tickets, is_agent, ticket_detail
from tickets.services import ticket_change_status

pytestmark = pytest.mark.django_db


def test_agent_list_holds_agents_and_superusers(
    agent: User, other_agent: User, superuser: User, non_agent: User
) -> None:
    assert [user.username for user in agent_list()] == ["maria", "root", "tom"]


def test_agent_list_leaves_out_inactive_agents(agent: User) -> None:
    AgentFactory(username="gone", is_active=False)

    assert [user.username for user in agent_list()] == ["maria"]


def test_agent_list_names_superuser_in_agents_group_once(agent: User) -> None:
    boss = SuperuserFactory(username="boss")
    boss.groups.add(*agent.groups.all())

    assert [user.username for user in agent_list()] == ["boss", "maria"]


def test_is_agent_true_for_agents_group_member(agent: User) -> None:
    assert is_agent(agent) is True


def test_is_agent_false_for_user_without_group(non_agent: User) -> None:
    assert is_agent(non_agent) is False


def test_is_agent_false_for_inactive_agent() -> None:
    assert is_agent(AgentFactory(is_active=False)) is False


def test_customer_tickets_holds_only_that_customers_tickets(
    customer: Customer, ticket: Ticket, other_ticket: Ticket
) -> None:
    assert list(customer_tickets(customer_id=customer.pk)) == [ticket]


def test_customer_tickets_newest_first(customer: Customer) -> None:
    now = timezone.now()
    old = TicketFactory(customer=customer, created_at=now - datetime.timedelta(days=3))
    new = TicketFactory(customer=customer, created_at=now)

    assert list(customer_tickets(customer_id=customer.pk)) == [new, old]


def test_ticket_detail_unknown_id_raises_does_not_exist(db: None) -> None:
    with pytest.raises(Ticket.DoesNotExist):
        ticket_detail(ticket_id=999_999)


def _queries_for_detail(ticket_id: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        ticket = ticket_detail(ticket_id=ticket_id)
        for message in ticket.messages.all():
            _ = message.display_author
        for event in ticket.events.all():
            _ = event.actor_name
    return len(queries)


def test_ticket_detail_query_count_does_not_grow_with_messages(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    MessageFactory(ticket=ticket, author=agent, author_name="", role="agent")
    ticket_change_status(ticket=ticket, status="pending", actor=agent)
    few = _queries_for_detail(ticket.pk)
    MessageFactory.create_batch(5, ticket=ticket, author=other_agent, author_name="", role="agent")
    ticket_change_status(ticket=ticket, status="open", actor=other_agent)

    assert _queries_for_detail(ticket.pk) == few
