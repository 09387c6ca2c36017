from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_change_status

pytestmark = pytest.mark.django_db


def test_ticket_change_status_stores_new_status(ticket: Ticket, agent: User) -> None:
    ticket_change_status(ticket=ticket, status=Ticket.Status.PENDING, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING


def test_ticket_change_status_writes_event_with_old_new_and_actor(
    ticket: Ticket, agent: User
) -> None:
    ticket_change_status(ticket=ticket, status=Ticket.Status.ESCALATED, actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        "open",
        "escalated",
        agent,
    )


def test_ticket_change_status_same_status_writes_no_event(ticket: Ticket, agent: User) -> None:
    ticket_change_status(ticket=ticket, status=Ticket.Status.OPEN, actor=agent)

    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_ticket_change_status_unknown_status_is_rejected(ticket: Ticket, agent: User) -> None:
    with pytest.raises(ValidationError):
        ticket_change_status(ticket=ticket, status="lost", actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_ticket_change_status_to_done_sets_closed_at(ticket: Ticket, agent: User) -> None:
    ticket_change_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=agent)

    ticket.refresh_from_db()
    assert ticket.closed_at is not None


def test_ticket_change_status_reopening_clears_closed_at(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED, closed_at=timezone.now())

    ticket_change_status(ticket=ticket, status=Ticket.Status.OPEN, actor=agent)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (Ticket.Status.OPEN, None)
