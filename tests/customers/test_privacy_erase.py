"""`customer_erase`: local rows gone, the memory backend told through the outbox, audit kept."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from customers.models import Customer, CustomerEvent, ErasureRecord
from helpdesk.memory.models import (
    AgentNote,
    Memory,
    MemoryDocument,
    MemoryGroup,
    MemoryQueryVector,
    MirrorEntry,
)
from helpdesk.memory.services.corrections import memory_delete
from helpdesk.memory.services.mirror import mirror_claim
from helpdesk.privacy import customer_erase, customer_erasure_find, customer_export
from tests.customers.privacy_helpers import history_of
from tests.factories import UserFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Handoff, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def eraser() -> User:
    user = UserFactory(username="dpo")
    user.user_permissions.add(Permission.objects.get(codename="delete_customer"))
    return user


def test_erase_deletes_every_local_row_of_the_customer(
    customer: Customer, agent: User, eraser: User
) -> None:
    history_of(customer, agent)
    fact = customer_export(customer=customer)["memory"]["profile"][0]
    memory_delete(
        customer=customer,
        memory_id=fact["memory_id"],
        text=fact["text"],
        source_ticket_id=None,
        actor=agent,
    )

    customer_erase(customer=customer, actor=eraser)

    assert not Customer.objects.filter(pk=customer.pk).exists()
    for model in (Ticket, Message, TicketEvent, Handoff, CustomerEvent, AgentNote):
        assert not model.objects.exists(), model.__name__
    assert list(MirrorEntry.objects.values_list("kind", flat=True)) == ["customer_erased"]


def test_erase_reaches_the_embedded_engine_through_the_mirror(
    customer: Customer, agent: User, eraser: User
) -> None:
    history_of(customer, agent)
    assert MemoryDocument.objects.filter(customer_id=customer.pk).exists()

    customer_erase(customer=customer, actor=eraser)
    deliver_all()

    for model in (Memory, MemoryDocument, MemoryGroup, MemoryQueryVector):
        assert not model.objects.filter(customer_id=customer.pk).exists(), model.__name__
    assert MirrorEntry.objects.get().state == MirrorEntry.State.DELIVERED


def test_erase_keeps_other_customers(
    customer: Customer, other_customer: Customer, agent: User, eraser: User
) -> None:
    history_of(customer, agent)
    kept = ticket_with_messages(other_customer, "Printer offline", ["I have a laser printer."])
    deliver_all()

    customer_erase(customer=customer, actor=eraser)

    assert list(Ticket.objects.all()) == [kept]
    deliver_all()
    assert Memory.objects.filter(customer_id=other_customer.pk).exists()
    assert MemoryDocument.objects.filter(customer_id=other_customer.pk).exists()


def test_erase_queues_the_backend_forgetting_by_its_customer_id(
    customer: Customer, eraser: User
) -> None:
    record = customer_erase(customer=customer, actor=eraser)

    entry = record.memory_entry
    assert entry.kind == MirrorEntry.Kind.CUSTOMER_ERASED
    assert entry.state == MirrorEntry.State.PENDING
    assert entry.payload == {"customer": f"customer_{customer.pk}"}
    assert entry.customer_id is None
    assert entry.ticket_id is None


def test_erase_reaches_the_embedded_backend_when_delivered(
    customer: Customer, agent: User, eraser: User
) -> None:
    history_of(customer, agent)
    customer_erase(customer=customer, actor=eraser)

    report = deliver_all()

    assert report.delivered == 1
    assert MirrorEntry.objects.get().state == MirrorEntry.State.DELIVERED
    assert ErasureRecord.objects.get().memory_kept == [], "the embedded engine keeps nothing"


def test_erase_waits_for_a_delivery_in_flight_before_forgetting(
    customer: Customer, eraser: User
) -> None:
    ticket_with_messages(customer, "Router keeps dropping", ["It drops."], close=False)
    claimed = mirror_claim(limit=1)[0]

    record = customer_erase(customer=customer, actor=eraser)

    assert record.memory_entry.next_attempt_at == claimed.lease_expires_at


def test_erase_leaves_an_audit_record_without_personal_data(
    customer: Customer, agent: User, eraser: User
) -> None:
    history_of(customer, agent)

    record = customer_erase(customer=customer, actor=eraser)

    record.refresh_from_db()
    assert record.actor == eraser
    assert record.actor_name == "dpo"
    assert record.customer_pk == customer.pk
    assert record.memory_backend == "embedded"
    assert record.counts["tickets"] == 2
    assert record.counts["messages"] == 5
    assert record.counts["handoffs"] == 1
    text = " ".join(str(value) for value in ErasureRecord.objects.values().get().values())
    for personal in ("Ada", "Lovelace", "ada@example.com", "crm-4711"):
        assert personal not in text
    assert customer_erasure_find(external_id="crm-4711") == record


def test_erase_scrubs_the_customer_from_the_admin_history(customer: Customer, eraser: User) -> None:
    LogEntry.objects.log_actions(
        user_id=eraser.pk, queryset=[customer], action_flag=CHANGE, change_message="[]"
    )

    customer_erase(customer=customer, actor=eraser)

    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Customer))
    assert "Ada" not in entry.object_repr
    assert "crm-4711" not in entry.object_repr


def test_erasing_twice_changes_nothing_the_second_time(customer: Customer, eraser: User) -> None:
    first = customer_erase(customer=customer, actor=eraser)

    second = customer_erase(customer=customer, actor=eraser)

    assert second == first
    assert ErasureRecord.objects.count() == 1
    assert MirrorEntry.objects.count() == 1


def test_erase_needs_the_permission_to_delete_customers(customer: Customer, agent: User) -> None:
    with pytest.raises(PermissionDenied):
        customer_erase(customer=customer, actor=agent)

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not ErasureRecord.objects.exists()


def test_superusers_may_erase(customer: Customer, superuser: User) -> None:
    record = customer_erase(customer=customer, actor=superuser)

    assert record.actor_name == "root"


def test_an_operator_at_the_shell_erases_without_a_user(customer: Customer) -> None:
    record = customer_erase(customer=customer, actor=None, actor_name="manage.py")

    assert record.actor is None
    assert record.actor_name == "manage.py"
