"""Memory ids from outside are checked: at the portal's edge, in the embedded engine, and one
bad outbox entry never stops the mirror's pass (security test findings)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from customers.models import Customer, CustomerEvent
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.models import AgentNote, Memory, MirrorEntry
from helpdesk.memory.services.corrections import memory_correct, memory_delete
from helpdesk.memory.services.mirror import mirror_deliver_due
from helpdesk.memory.types import DeliveryOutcome, MemoryBackendError, TicketOpened
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

State = MirrorEntry.State


@pytest.fixture
def fact(ada: Customer) -> Memory:
    """A profile fact the embedded engine learned of Ada."""
    ticket_with_messages(ada, "Wi-Fi", ["I have a Fritzbox router at home."], close=True)
    deliver_all()
    return Memory.objects.get(customer_id=ada.pk, kind=Memory.Kind.PROFILE)


def nothing_recorded() -> bool:
    return not (
        CustomerEvent.objects.exists()
        or AgentNote.objects.exists()
        or MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MEMORY_DELETED).exists()
    )


@pytest.mark.parametrize("memory_id", ["²", "x", "note_²", "note_x", "999999"])
@pytest.mark.parametrize("action", ["delete", "correct"])
def test_the_portal_refuses_an_id_no_memory_of_the_customer_has(
    agent_client: Client, ada: Customer, fact: Memory, memory_id: str, action: str
) -> None:
    response = agent_client.post(
        f"/customers/{ada.pk}/memories/{action}/",
        {"memory_id": memory_id, "text": "made up", "corrected_text": "Something true."},
        follow=True,
    )

    assert response.status_code == 200
    assert "This customer has no such memory" in response.content.decode()
    assert nothing_recorded()
    assert Memory.objects.filter(pk=fact.pk).exists()


def test_a_memory_of_another_customer_is_refused_at_once(ada: Customer, fact: Memory) -> None:
    with pytest.raises(ValidationError, match="no such memory"):
        memory_delete(
            customer=CustomerFactory(),
            memory_id=str(fact.pk),
            text=fact.text,
            source_ticket_id=None,
            actor=None,
        )

    assert nothing_recorded()


def test_an_agent_note_of_another_customer_is_refused(ada: Customer) -> None:
    note = AgentNote.objects.create(customer=ada, text="Prefers e-mail.")

    with pytest.raises(ValidationError):
        memory_correct(
            customer=CustomerFactory(),
            memory_id=note.memory_id,
            text="",
            corrected_text="Prefers phone.",
            source_ticket_id=None,
            actor=None,
        )

    assert list(AgentNote.objects.all()) == [note]
    assert not CustomerEvent.objects.exists()


def test_the_audit_holds_the_memorys_own_text_not_the_forms(ada: Customer, fact: Memory) -> None:
    memory_delete(
        customer=ada,
        memory_id=str(fact.pk),
        text="Customer admitted fraud",
        source_ticket_id=None,
        actor=None,
    )

    note = CustomerEvent.objects.get(customer=ada).note
    assert note == f"Deleted memory: {fact.text}"
    assert "fraud" not in note


def test_a_correction_records_the_corrected_memorys_own_text(ada: Customer, fact: Memory) -> None:
    memory_correct(
        customer=ada,
        memory_id=str(fact.pk),
        text="",
        corrected_text="Has a Speedport router.",
        source_ticket_id=None,
        actor=None,
    )

    assert CustomerEvent.objects.get(customer=ada).note == (
        f"Corrected memory: {fact.text} → Has a Speedport router."
    )


def test_deleting_an_agent_note_records_its_text(ada: Customer) -> None:
    note = AgentNote.objects.create(customer=ada, text="Prefers e-mail.")

    memory_delete(
        customer=ada, memory_id=note.memory_id, text="other", source_ticket_id=None, actor=None
    )

    assert not AgentNote.objects.exists()
    assert CustomerEvent.objects.get().note == "Deleted memory: Prefers e-mail."


def test_nothing_is_recorded_when_memory_cannot_be_read(
    ada: Customer, fact: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise MemoryBackendError("down", retryable=True)

    monkeypatch.setattr(get_backend(), "customer_profile", broken)

    with pytest.raises(ValidationError, match="cannot be read right now"):
        memory_delete(
            customer=ada, memory_id=str(fact.pk), text="", source_ticket_id=None, actor=None
        )

    assert nothing_recorded()


def test_the_source_tickets_memories_count_as_the_customers(ada: Customer) -> None:
    ticket = ticket_with_messages(ada, "Invoice", ["I was charged twice."], close=True)
    deliver_all()
    episode = Memory.objects.filter(customer_id=ada.pk, ticket_id=ticket.pk).exclude(
        kind=Memory.Kind.PROFILE
    )[0]

    memory_delete(
        customer=ada,
        memory_id=str(episode.pk),
        text="",
        source_ticket_id=ticket.pk,
        actor=None,
    )
    deliver_all()

    assert not Memory.objects.filter(pk=episode.pk).exists()


@pytest.mark.parametrize("memory_id", ["²", "x", "", " 1", "1\n", "٣"])
def test_the_embedded_engine_refuses_ids_that_are_not_ascii_digits(
    ada: Customer, memory_id: str
) -> None:
    with pytest.raises(MemoryBackendError) as raised:
        EmbeddedBackend().delete_memory(customer_id=ids.customer_id(ada.pk), memory_id=memory_id)

    assert raised.value.retryable is False


def test_a_bad_deletion_already_queued_fails_alone(ada: Customer) -> None:
    bad = MirrorEntry.objects.create(
        customer=ada, kind=MirrorEntry.Kind.MEMORY_DELETED, payload={"memory_id": "²"}
    )
    ticket = services.ticket_create(customer=ada, subject="Router keeps dropping")

    report = mirror_deliver_due(get_backend())

    assert (report.delivered, report.failed) == (1, 1)
    bad.refresh_from_db()
    assert bad.state == State.FAILED
    assert ticket.mirror_entries.get().state == State.DELIVERED


class FirstTicketRaises(EmbeddedBackend):
    """The embedded engine, except that opening `broken` raises what no backend should."""

    def __init__(self, broken: Ticket) -> None:
        super().__init__()
        self.broken = broken

    def deliver_ticket_opened(self, event: TicketOpened) -> DeliveryOutcome:
        if event.ticket_id == self.broken.pk:
            raise ValueError("invalid literal for int() with base 10: '²'")
        return super().deliver_ticket_opened(event)


def test_an_unexpected_error_fails_its_entry_and_the_pass_goes_on() -> None:
    first = services.ticket_create(customer=CustomerFactory(), subject="Router keeps dropping")
    second = services.ticket_create(customer=CustomerFactory(), subject="Printer offline")

    report = mirror_deliver_due(FirstTicketRaises(first))

    assert (report.delivered, report.retrying, report.failed) == (1, 0, 1)
    failed = first.mirror_entries.get()
    assert failed.state == State.FAILED
    assert failed.lease_expires_at is None
    assert failed.last_error == "ValueError: invalid literal for int() with base 10: '²'"
    assert second.mirror_entries.get().state == State.DELIVERED
