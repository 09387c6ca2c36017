"""`message_record_batch`: the single service's rules, many messages per statement."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from helpdesk.memory.models import MirrorEntry
from tests.factories import MessageFactory
from tickets.models import Message, Ticket
from tickets.services import BatchMessage, message_record, message_record_batch

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2024, 5, 8, 13, 57, 10, tzinfo=datetime.UTC)


def test_nothing_to_record_is_no_outcome() -> None:
    assert message_record_batch(messages=[]) == []


def test_without_a_poster_a_name_may_be_given(ticket: Ticket) -> None:
    [outcome] = message_record_batch(
        messages=[BatchMessage(ticket_id=ticket.pk, role="bot", body="Hi", author_name="Helper")]
    )

    message = Message.objects.get(pk=outcome.id)
    assert (message.author_name, message.posted_by_id) == ("Helper", None)


def test_naive_time_is_refused(ticket: Ticket) -> None:
    [outcome] = message_record_batch(
        messages=[
            BatchMessage(
                ticket_id=ticket.pk,
                role="customer",
                body="Hi",
                created_at=WHEN.replace(tzinfo=None),
            )
        ]
    )

    assert outcome.status == "error"
    assert list(outcome.errors) == ["created_at"]


def test_a_batch_and_a_single_post_agree_on_duplicates(ticket: Ticket) -> None:
    single = message_record(ticket=ticket, role="customer", body="First", external_id="E1")

    [again] = message_record_batch(
        messages=[BatchMessage(ticket_id=ticket.pk, role="customer", body="x", external_id="E1")]
    )
    [batch_first] = message_record_batch(
        messages=[BatchMessage(ticket_id=ticket.pk, role="customer", body="y", external_id="E2")]
    )
    single_again = message_record(ticket=ticket, role="customer", body="z", external_id="E2")

    assert (again.status, again.id) == ("duplicate", single.message.pk)
    assert (single_again.created, single_again.message.pk) == (False, batch_first.id)


def test_a_rolled_back_batch_leaves_no_message_and_no_mirror_entry(ticket: Ticket) -> None:
    MessageFactory(ticket=ticket)
    before = (Message.objects.count(), MirrorEntry.objects.count())

    def batch_then_failure() -> None:
        with transaction.atomic():
            message_record_batch(
                messages=[BatchMessage(ticket_id=ticket.pk, role="customer", body="Gone")]
            )
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        batch_then_failure()

    assert (Message.objects.count(), MirrorEntry.objects.count()) == before
