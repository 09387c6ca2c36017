from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_ticket_create_opens_unassigned_ticket(customer: Customer) -> None:
    ticket = ticket_create(customer=customer, subject="Router keeps dropping")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to, ticket.customer) == (
        Ticket.Status.OPEN,
        None,
        customer,
    )


def test_ticket_create_writes_created_event_with_actor(customer: Customer, agent: User) -> None:
    ticket = ticket_create(customer=customer, subject="Router keeps dropping", actor=agent)

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.new_value, event.actor) == (
        TicketEvent.Kind.CREATED,
        Ticket.Status.OPEN,
        agent,
    )


def test_ticket_create_anonymous_actor_is_recorded_as_nobody(customer: Customer) -> None:
    ticket = ticket_create(customer=customer, subject="Hi", actor=AnonymousUser())

    assert TicketEvent.objects.get(ticket=ticket).actor is None


def test_ticket_create_keeps_given_time_for_imports(customer: Customer) -> None:
    created_at = datetime.datetime(2024, 5, 8, 13, 56, tzinfo=datetime.UTC)

    ticket = ticket_create(customer=customer, subject="Old ticket", created_at=created_at)

    ticket.refresh_from_db()
    assert ticket.created_at == created_at
    assert ticket.last_message_at == created_at
    assert TicketEvent.objects.get(ticket=ticket).created_at == created_at


def test_ticket_create_naive_time_is_rejected(customer: Customer) -> None:
    naive = datetime.datetime(2024, 5, 8, 13, 56)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValidationError) as raised:
        ticket_create(customer=customer, subject="Old ticket", created_at=naive)

    assert "created_at" in raised.value.message_dict
    assert not Ticket.objects.exists()


def test_ticket_create_defaults_time_to_now(customer: Customer) -> None:
    before = timezone.now()

    ticket = ticket_create(customer=customer, subject="New ticket")

    assert before <= ticket.created_at <= timezone.now()


def test_ticket_create_strips_subject(customer: Customer) -> None:
    ticket = ticket_create(customer=customer, subject="  Router keeps dropping \n")

    assert ticket.subject == "Router keeps dropping"


def test_ticket_create_blank_subject_is_rejected(customer: Customer) -> None:
    with pytest.raises(ValidationError):
        ticket_create(customer=customer, subject="   ")

    assert not Ticket.objects.exists()


def test_ticket_create_unknown_channel_is_rejected(customer: Customer) -> None:
    with pytest.raises(ValidationError):
        ticket_create(customer=customer, subject="Hi", channel="pigeon")

    assert not Ticket.objects.exists()


def test_ticket_create_subject_with_a_line_break_inside_is_rejected(customer: Customer) -> None:
    with pytest.raises(ValidationError, match="must be one line") as raised:
        ticket_create(customer=customer, subject="Refund\r\nBcc: everyone@example.com")

    assert "subject" in raised.value.message_dict
    assert not Ticket.objects.exists()
