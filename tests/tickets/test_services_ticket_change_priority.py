from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_change_priority

pytestmark = pytest.mark.django_db


def test_ticket_change_priority_stores_new_priority(ticket: Ticket, agent: User) -> None:
    ticket_change_priority(ticket=ticket, priority=Ticket.Priority.URGENT, actor=agent)

    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.URGENT


def test_ticket_change_priority_writes_event_with_old_new_and_actor(
    ticket: Ticket, agent: User
) -> None:
    ticket_change_priority(ticket=ticket, priority=Ticket.Priority.HIGH, actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.PRIORITY_CHANGED,
        "normal",
        "high",
        agent,
    )


def test_ticket_change_priority_same_priority_writes_no_event(ticket: Ticket, agent: User) -> None:
    ticket_change_priority(ticket=ticket, priority=Ticket.Priority.NORMAL, actor=agent)

    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_ticket_change_priority_unknown_priority_is_rejected(ticket: Ticket, agent: User) -> None:
    with pytest.raises(ValidationError):
        ticket_change_priority(ticket=ticket, priority="whenever", actor=agent)

    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.NORMAL
