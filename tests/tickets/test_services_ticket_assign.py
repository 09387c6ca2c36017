from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tests.factories import AgentFactory, TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


def test_ticket_assign_gives_ticket_to_agent(ticket: Ticket, agent: User) -> None:
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)

    ticket.refresh_from_db()
    assert ticket.assigned_to == agent


def test_ticket_assign_writes_event_with_usernames_and_actor(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    ticket_assign(ticket=ticket, assignee=other_agent, actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.ASSIGNED,
        "",
        "tom",
        agent,
    )


def test_ticket_assign_reassignment_records_previous_assignee(
    agent: User, other_agent: User
) -> None:
    ticket = TicketFactory(assigned_to=agent)

    ticket_assign(ticket=ticket, assignee=other_agent, actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.old_value, event.new_value) == ("maria", "tom")


def test_ticket_assign_none_unassigns(agent: User) -> None:
    ticket = TicketFactory(assigned_to=agent)

    ticket_assign(ticket=ticket, assignee=None, actor=agent)

    ticket.refresh_from_db()
    assert ticket.assigned_to is None
    assert TicketEvent.objects.get(ticket=ticket).new_value == ""


def test_ticket_assign_non_agent_is_rejected(ticket: Ticket, agent: User, non_agent: User) -> None:
    with pytest.raises(ValidationError) as raised:
        ticket_assign(ticket=ticket, assignee=non_agent, actor=agent)

    assert "assigned_to" in raised.value.message_dict
    ticket.refresh_from_db()
    assert ticket.assigned_to is None
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_ticket_assign_inactive_agent_is_rejected(ticket: Ticket, agent: User) -> None:
    retired = AgentFactory(is_active=False)

    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, assignee=retired, actor=agent)


def test_ticket_assign_same_agent_writes_no_event(agent: User) -> None:
    ticket = TicketFactory(assigned_to=agent)

    ticket_assign(ticket=ticket, assignee=agent, actor=agent)

    assert not TicketEvent.objects.filter(ticket=ticket).exists()
