from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import TicketConflictError, ticket_close

pytestmark = pytest.mark.django_db


def test_ticket_close_resolves_open_ticket(ticket: Ticket, agent: User) -> None:
    ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.closed_at is not None


def test_ticket_close_closes_open_ticket_with_event(ticket: Ticket, agent: User) -> None:
    ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        Ticket.Status.OPEN,
        Ticket.Status.CLOSED,
        agent,
    )


def test_ticket_close_closes_resolved_ticket(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_ticket_close_already_closed_ticket_is_conflict(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    with pytest.raises(TicketConflictError):
        ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_ticket_close_closing_closed_ticket_again_is_conflict(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    with pytest.raises(TicketConflictError):
        ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=agent)


def test_ticket_close_resolving_resolved_ticket_is_conflict(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    with pytest.raises(TicketConflictError):
        ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)

    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_ticket_close_uses_stored_status_not_stale_instance(ticket: Ticket, agent: User) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)

    with pytest.raises(TicketConflictError):
        ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)


@pytest.mark.parametrize("status", ["open", "pending", "escalated", "gone"])
def test_ticket_close_other_status_is_rejected(ticket: Ticket, agent: User, status: str) -> None:
    with pytest.raises(ValidationError):
        ticket_close(ticket=ticket, status=status, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
