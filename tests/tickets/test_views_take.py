from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_take_assigns_ticket_to_me(agent_client: Client, agent: User, ticket: Ticket) -> None:
    agent_client.post(f"/tickets/{ticket.pk}/take/")

    ticket.refresh_from_db()
    assert ticket.assigned_to == agent


def test_take_writes_assigned_event(agent_client: Client, agent: User, other_agent: User) -> None:
    ticket = TicketFactory(assigned_to=other_agent)

    agent_client.post(f"/tickets/{ticket.pk}/take/")

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.ASSIGNED,
        "tom",
        "maria",
        agent,
    )


def test_take_redirects_to_ticket_with_confirmation(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(f"/tickets/{ticket.pk}/take/", follow=True)

    assert response.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    assert f"{ticket.reference} is now yours." in response.content.decode()


def test_take_without_assign_permission_is_403(readonly_client: Client, ticket: Ticket) -> None:
    response = readonly_client.post(f"/tickets/{ticket.pk}/take/")

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assigned_to is None


def test_take_by_get_is_405(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(f"/tickets/{ticket.pk}/take/").status_code == 405
