from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from tests.factories import MessageFactory, TicketFactory
from tickets.models import Message, Ticket, TicketEvent
from tickets.services import TicketConflictError, message_record

pytestmark = pytest.mark.django_db

MAY_8 = datetime.datetime(2024, 5, 8, 13, 57, 10, tzinfo=datetime.UTC)


def test_message_record_stores_message(ticket: Ticket) -> None:
    recorded = message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="It dropped again.")

    assert recorded.created is True
    stored = Message.objects.get(ticket=ticket)
    assert (stored.pk, stored.role, stored.body) == (
        recorded.message.pk,
        Message.Role.CUSTOMER,
        "It dropped again.",
    )


def test_message_record_customer_message_is_signed_with_customer_name(ticket: Ticket) -> None:
    recorded = message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="Hello")

    assert recorded.message.author_name == "Ada Lovelace"


def test_message_record_agent_message_keeps_author(ticket: Ticket, agent: User) -> None:
    recorded = message_record(ticket=ticket, role=Message.Role.AGENT, body="On it.", author=agent)

    assert Message.objects.get(pk=recorded.message.pk).author == agent


def test_message_record_repeated_external_id_returns_stored_message(ticket: Ticket) -> None:
    first = message_record(ticket=ticket, role="customer", body="First", external_id="D1:3")

    again = message_record(ticket=ticket, role="customer", body="Retry", external_id="D1:3")

    assert again.created is False
    assert again.message.pk == first.message.pk
    assert again.message.body == "First"


def test_message_record_repeated_external_id_creates_nothing(ticket: Ticket) -> None:
    message_record(ticket=ticket, role="customer", body="First", external_id="D1:3")
    events_before = TicketEvent.objects.count()

    message_record(ticket=ticket, role="customer", body="Retry", external_id="D1:3")

    assert Message.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.count() == events_before


def test_message_record_same_external_id_on_other_ticket_is_new(
    ticket: Ticket, other_ticket: Ticket
) -> None:
    message_record(ticket=ticket, role="customer", body="First", external_id="D1:3")

    recorded = message_record(ticket=other_ticket, role="customer", body="Hi", external_id="D1:3")

    assert recorded.created is True
    assert recorded.message.ticket_id == other_ticket.pk


def test_message_record_blank_external_id_is_stored_as_null(ticket: Ticket) -> None:
    message_record(ticket=ticket, role="customer", body="One", external_id="")
    message_record(ticket=ticket, role="customer", body="Two", external_id="")

    assert Message.objects.filter(ticket=ticket, external_id__isnull=True).count() == 2


def test_message_record_body_at_limit_is_accepted(ticket: Ticket) -> None:
    body = "x" * settings.MESSAGE_BODY_MAX_LENGTH

    recorded = message_record(ticket=ticket, role="customer", body=body)

    assert len(Message.objects.get(pk=recorded.message.pk).body) == 20_000


def test_message_record_body_over_limit_is_rejected(ticket: Ticket) -> None:
    with pytest.raises(ValidationError) as raised:
        message_record(ticket=ticket, role="customer", body="x" * 20_001)

    assert "body" in raised.value.message_dict
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_message_record_empty_body_is_rejected(ticket: Ticket, body: str) -> None:
    with pytest.raises(ValidationError):
        message_record(ticket=ticket, role="customer", body=body)

    assert not Message.objects.exists()


def test_message_record_unknown_role_is_rejected(ticket: Ticket) -> None:
    with pytest.raises(ValidationError):
        message_record(ticket=ticket, role="robot", body="Beep")

    assert not Message.objects.exists()


def test_message_record_naive_time_is_rejected(ticket: Ticket) -> None:
    naive = datetime.datetime(2024, 5, 8, 13, 57)  # noqa: DTZ001 - the point of the test

    with pytest.raises(ValidationError):
        message_record(ticket=ticket, role="customer", body="Hi", created_at=naive)

    assert not Message.objects.exists()


def test_message_record_on_closed_ticket_raises_conflict() -> None:
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    with pytest.raises(TicketConflictError):
        message_record(ticket=ticket, role="customer", body="Hello?")

    assert not Message.objects.exists()


def test_message_record_takes_a_ticket_id(ticket: Ticket) -> None:
    recorded = message_record(ticket=ticket.pk, role="customer", body="It dropped again.")

    assert recorded.created
    assert recorded.message.ticket_id == ticket.pk
    assert recorded.message.author_name == ticket.customer.name


def test_message_record_unknown_ticket_id_raises_does_not_exist(ticket: Ticket) -> None:
    with pytest.raises(Ticket.DoesNotExist):
        message_record(ticket=ticket.pk + 1000, role="customer", body="Hello?")

    assert not Message.objects.exists()


def test_message_record_repeated_external_id_on_closed_ticket_returns_stored_message() -> None:
    ticket = TicketFactory()
    first = message_record(ticket=ticket, role="customer", body="Hello?", external_id="m-1")
    ticket.status = Ticket.Status.CLOSED
    ticket.save()

    again = message_record(ticket=ticket, role="customer", body="Hello?", external_id="m-1")

    assert not again.created
    assert again.message.pk == first.message.pk


def test_message_record_customer_message_reopens_resolved_ticket() -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    message_record(ticket=ticket, role="customer", body="It is broken again.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.closed_at is None


def test_message_record_reopening_writes_status_event() -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    message_record(ticket=ticket, role="customer", body="It is broken again.")

    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.old_value, event.new_value, event.actor) == (
        TicketEvent.Kind.STATUS_CHANGED,
        Ticket.Status.RESOLVED,
        Ticket.Status.OPEN,
        None,
    )


def test_message_record_agent_message_leaves_resolved_ticket_resolved(agent: User) -> None:
    ticket = TicketFactory(status=Ticket.Status.RESOLVED)

    message_record(ticket=ticket, role="agent", body="Glad it works.", author=agent)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert not TicketEvent.objects.filter(ticket=ticket).exists()


def test_message_record_newer_message_updates_last_message_at() -> None:
    ticket = TicketFactory(created_at=MAY_8 - datetime.timedelta(hours=1))

    message_record(ticket=ticket, role="customer", body="Hi", created_at=MAY_8)

    ticket.refresh_from_db()
    assert ticket.last_message_at == MAY_8


def test_message_record_older_imported_message_keeps_last_message_at() -> None:
    ticket = TicketFactory(created_at=MAY_8)
    MessageFactory(ticket=ticket, created_at=MAY_8)

    message_record(
        ticket=ticket, role="customer", body="Earlier", created_at=MAY_8 - datetime.timedelta(1)
    )

    ticket.refresh_from_db()
    assert ticket.last_message_at == MAY_8
