from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from helpdesk.memory.models import MirrorEntry
from tests.factories import MessageFactory, TicketFactory
from tickets.models import Message, Ticket, format_reference

pytestmark = pytest.mark.django_db


def test_format_reference_pads_to_six_digits() -> None:
    assert format_reference(42) == "T-000042"


def test_format_reference_keeps_ids_longer_than_six_digits() -> None:
    assert format_reference(1234567) == "T-1234567"


def test_ticket_reference_uses_primary_key() -> None:
    ticket = TicketFactory(id=42)

    assert ticket.reference == "T-000042"


def test_unsaved_ticket_reference_is_empty() -> None:
    assert Ticket(subject="Unsaved").reference == ""


def test_ticket_str_starts_with_reference() -> None:
    ticket = TicketFactory(id=42, subject="Router keeps dropping")

    assert str(ticket) == "T-000042 Router keeps dropping"


def test_ticket_invalid_status_raises_integrity_error() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketFactory(status="lost")


def test_ticket_invalid_priority_raises_integrity_error() -> None:
    ticket = TicketFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(priority="whenever")


def test_ticket_empty_subject_raises_integrity_error() -> None:
    ticket = TicketFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(subject="")


def test_message_invalid_role_raises_integrity_error() -> None:
    ticket = TicketFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(ticket=ticket, role="robot", body="Beep.")


def test_message_empty_body_raises_integrity_error() -> None:
    ticket = TicketFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(ticket=ticket, role=Message.Role.CUSTOMER, body="")


def test_message_external_id_duplicate_on_same_ticket_raises_integrity_error() -> None:
    ticket = TicketFactory()
    MessageFactory(ticket=ticket, external_id="D1:3")

    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(ticket=ticket, external_id="D1:3")


def test_message_external_id_may_repeat_on_another_ticket() -> None:
    first = MessageFactory(external_id="D1:3")

    second = MessageFactory(external_id="D1:3")

    assert first.ticket_id != second.ticket_id
    assert Message.objects.filter(external_id="D1:3").count() == 2


def test_message_without_external_id_may_repeat_on_same_ticket() -> None:
    ticket = TicketFactory()

    MessageFactory.create_batch(3, ticket=ticket, external_id=None)

    assert Message.objects.filter(ticket=ticket, external_id__isnull=True).count() == 3


def test_message_display_author_prefers_author_name() -> None:
    message = MessageFactory(author_name="Ada")

    assert message.display_author == "Ada"


def test_message_display_author_falls_back_to_role() -> None:
    message = MessageFactory(role=Message.Role.BOT, author_name="")

    assert message.display_author == "Bot"


def test_only_an_erased_customers_mirror_entry_may_lack_a_customer() -> None:
    erased = MirrorEntry.objects.create(
        kind=MirrorEntry.Kind.CUSTOMER_ERASED, payload={"customer": "customer_7"}
    )

    assert str(erased) == "Customer erased of erased customer_7 (pending)"
    with pytest.raises(IntegrityError), transaction.atomic():
        MirrorEntry.objects.create(kind=MirrorEntry.Kind.MEMORY_DELETED, payload={})
