"""The embedded engine reuses a customer's prepared history until that history changes."""

from __future__ import annotations

import pytest

from helpdesk.memory import ids
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db


def test_a_new_ticket_is_found_right_after_delivery() -> None:
    backend = EmbeddedBackend(embedder=None)
    customer = CustomerFactory()
    ticket_with_messages(customer, "Wifi", ["My wifi drops every evening."])
    deliver_all(backend)
    customer_id = ids.customer_id(customer.pk)
    assert backend.related_tickets(customer_id=customer_id, query="parcel never arrived") == []

    parcel = ticket_with_messages(customer, "Parcel", ["My parcel never arrived."])
    deliver_all(backend)

    matches = backend.related_tickets(customer_id=customer_id, query="parcel never arrived")
    assert [m.ticket_id for m in matches] == [parcel.pk]


def test_the_same_history_is_prepared_once(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = EmbeddedBackend(embedder=None)
    customer = CustomerFactory()
    ticket_with_messages(customer, "Wifi", ["My wifi drops every evening."])
    deliver_all(backend)
    builds = []
    original = backend._index.__func__

    def counting(self, customer_pk, exclude, query):
        index = original(self, customer_pk, exclude, query)
        builds.append(id(index))
        return index

    monkeypatch.setattr(EmbeddedBackend, "_index", counting)
    for _ in range(3):
        backend.related_tickets(customer_id=ids.customer_id(customer.pk), query="wifi")

    assert len(set(builds)) == 1
