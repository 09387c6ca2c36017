from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.factories import TicketFactory, UserFactory
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def form(ticket: Ticket, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assigned_to": ticket.assigned_to_id or "",
    }
    data.update(changes)
    return data


def update(client: Client, ticket: Ticket, **changes: object) -> object:
    return client.post(f"/tickets/{ticket.pk}/update/", form(ticket, **changes))


def test_update_status_writes_event_with_actor(
    agent_client: Client, agent: User, ticket: Ticket
) -> None:
    update(agent_client, ticket, status="pending")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        "open",
        "pending",
        agent,
    )


def test_update_priority_writes_event(agent_client: Client, agent: User, ticket: Ticket) -> None:
    update(agent_client, ticket, priority="urgent")

    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.PRIORITY_CHANGED,
        "normal",
        "urgent",
        agent,
    )


def test_update_assignee_writes_event(
    agent_client: Client, agent: User, other_agent: User, ticket: Ticket
) -> None:
    update(agent_client, ticket, assigned_to=other_agent.pk)

    ticket.refresh_from_db()
    assert ticket.assigned_to == other_agent
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.new_value, event.actor) == (TicketEvent.Kind.ASSIGNED, "tom", agent)


def test_update_everything_at_once_writes_three_events(
    agent_client: Client, other_agent: User, ticket: Ticket
) -> None:
    response = agent_client.post(
        f"/tickets/{ticket.pk}/update/",
        form(ticket, status="escalated", priority="high", assigned_to=other_agent.pk),
        follow=True,
    )

    assert {event.kind for event in TicketEvent.objects.filter(ticket=ticket)} == {
        TicketEvent.Kind.STATUS_CHANGED,
        TicketEvent.Kind.PRIORITY_CHANGED,
        TicketEvent.Kind.ASSIGNED,
    }
    assert "Updated assignee, status, priority" in response.content.decode()


def test_update_unassign_clears_assignee(agent_client: Client, agent: User) -> None:
    ticket = TicketFactory(assigned_to=agent)

    update(agent_client, ticket, assigned_to="")

    ticket.refresh_from_db()
    assert ticket.assigned_to is None


def test_update_without_changes_says_so(agent_client: Client, ticket: Ticket) -> None:
    response = agent_client.post(f"/tickets/{ticket.pk}/update/", form(ticket), follow=True)

    assert "Nothing changed." in response.content.decode()
    assert not TicketEvent.objects.exists()


def test_update_assign_to_non_agent_is_400(
    agent_client: Client, non_agent: User, ticket: Ticket
) -> None:
    response = update(agent_client, ticket, assigned_to=non_agent.pk)

    assert response.status_code == 400  # type: ignore[attr-defined]
    ticket.refresh_from_db()
    assert ticket.assigned_to is None


def test_update_unknown_status_is_400(agent_client: Client, ticket: Ticket) -> None:
    response = update(agent_client, ticket, status="lost")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not TicketEvent.objects.exists()


def test_update_assign_without_assign_permission_is_403(
    readonly_client: Client, other_agent: User, ticket: Ticket
) -> None:
    response = update(readonly_client, ticket, assigned_to=other_agent.pk)

    assert response.status_code == 403  # type: ignore[attr-defined]
    ticket.refresh_from_db()
    assert ticket.assigned_to is None
    assert not TicketEvent.objects.exists()


def test_update_by_get_is_405(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(f"/tickets/{ticket.pk}/update/").status_code == 405


@pytest.fixture
def dispatcher_client(db: None) -> Client:
    """An agent who may change tickets but not assign them."""
    dispatcher = UserFactory(username="dispatcher")
    dispatcher.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_ticket", "change_ticket"])
    )
    client = Client()
    client.force_login(dispatcher)
    return client


def test_update_form_without_assignee_field_keeps_assignee(
    dispatcher_client: Client, agent: User
) -> None:
    ticket = TicketFactory(assigned_to=agent)

    response = dispatcher_client.post(
        f"/tickets/{ticket.pk}/update/", {"status": "pending", "priority": "normal"}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (Ticket.Status.PENDING, agent)


def test_update_status_without_change_permission_is_403(
    readonly_client: Client, ticket: Ticket
) -> None:
    response = readonly_client.post(
        f"/tickets/{ticket.pk}/update/", {"status": "closed", "priority": "normal"}
    )

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
