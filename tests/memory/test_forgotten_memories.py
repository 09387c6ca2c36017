"""A memory an agent deleted is gone from every page at once, before the worker has told the
backend, and stays gone when a backend's search still returns it (EverMemOS v1 soft-deletes a
segment, and its search may keep answering with it: docs/evermemos-v1-api.md §9)."""

from __future__ import annotations

import pytest

from customers.models import Customer
from helpdesk.memory.models import Memory, MirrorEntry
from helpdesk.memory.selectors.context import (
    customer_memory,
    customer_memory_text,
    ticket_context,
)
from helpdesk.memory.services.corrections import memory_delete
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def fact(ada: Customer) -> Memory:
    ticket_with_messages(ada, "Wi-Fi", ["I have a Fritzbox router at home."], close=True)
    deliver_all()
    return Memory.objects.get(customer_id=ada.pk, kind=Memory.Kind.PROFILE)


def shown(ada: Customer) -> list[str]:
    return [item.memory_id for item in customer_memory(customer_id=ada.pk).profile]


def test_a_deleted_memory_leaves_the_pages_before_the_backend_is_told(
    ada: Customer, fact: Memory
) -> None:
    assert str(fact.pk) in shown(ada)
    ticket = ticket_with_messages(ada, "Wi-Fi again", ["The Fritzbox drops again."])

    memory_delete(
        customer=ada, memory_id=str(fact.pk), text=fact.text, source_ticket_id=None, actor=None
    )

    entry = MirrorEntry.objects.get(kind=MirrorEntry.Kind.MEMORY_DELETED)
    assert entry.state == MirrorEntry.State.PENDING
    assert Memory.objects.filter(pk=fact.pk).exists()  # the backend still has it
    assert str(fact.pk) not in shown(ada)
    context = ticket_context(ticket=Ticket.objects.get(pk=ticket.pk))
    assert str(fact.pk) not in [item.memory_id for item in context.profile]
    assert customer_memory_text(customer_id=ada.pk, memory_id=str(fact.pk)) is None


def test_a_backend_that_still_returns_a_deleted_memory_is_filtered(
    ada: Customer, fact: Memory
) -> None:
    row = Memory.objects.filter(pk=fact.pk).values().get()
    memory_delete(
        customer=ada, memory_id=str(fact.pk), text=fact.text, source_ticket_id=None, actor=None
    )
    deliver_all()
    assert not Memory.objects.filter(pk=fact.pk).exists()
    # A search index that kept its copy (as v1's may) brings the same id back.
    Memory.objects.create(**row)

    assert str(fact.pk) not in shown(ada)


def test_another_customers_deletion_hides_nothing(ada: Customer, fact: Memory) -> None:
    MirrorEntry.objects.create(
        customer=CustomerFactory(),
        kind=MirrorEntry.Kind.MEMORY_DELETED,
        payload={"memory_id": str(fact.pk)},
        state=MirrorEntry.State.DELIVERED,
    )

    assert str(fact.pk) in shown(ada)
