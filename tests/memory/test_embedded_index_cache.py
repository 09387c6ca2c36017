"""The embedded engine reuses a customer's prepared history until that history changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from helpdesk.memory import ids
from helpdesk.memory.embedded import EmbeddedBackend
from tests.factories import CustomerFactory
from tickets import services
from tickets.mirror import mirror_deliver_due
from tickets.models import MirrorEntry, Ticket

pytestmark = pytest.mark.django_db


def deliver(backend: EmbeddedBackend) -> None:
    for _ in range(20):
        MirrorEntry.objects.update(next_attempt_at=timezone.now())
        if not mirror_deliver_due(backend).attempted:
            return


def closed_ticket(customer, subject: str, body: str) -> Ticket:
    ticket = services.ticket_create(customer=customer, subject=subject)
    services.message_record(ticket=ticket, role="customer", body=body)
    services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
    return ticket


def test_a_new_ticket_is_found_right_after_delivery() -> None:
    backend = EmbeddedBackend(embedder=None)
    customer = CustomerFactory()
    closed_ticket(customer, "Wifi", "My wifi drops every evening.")
    deliver(backend)
    customer_id = ids.customer_id(customer.pk)
    assert backend.related_tickets(customer_id=customer_id, query="parcel never arrived") == []

    parcel = closed_ticket(customer, "Parcel", "My parcel never arrived.")
    deliver(backend)

    matches = backend.related_tickets(customer_id=customer_id, query="parcel never arrived")
    assert [m.ticket_id for m in matches] == [parcel.pk]


def test_the_same_history_is_prepared_once(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = EmbeddedBackend(embedder=None)
    customer = CustomerFactory()
    closed_ticket(customer, "Wifi", "My wifi drops every evening.")
    deliver(backend)
    builds = []
    original = backend._index.__func__

    def counting(self, customer_pk, exclude):
        index = original(self, customer_pk, exclude)
        builds.append(id(index))
        return index

    monkeypatch.setattr(EmbeddedBackend, "_index", counting)
    for _ in range(3):
        backend.related_tickets(customer_id=ids.customer_id(customer.pk), query="wifi")

    assert len(set(builds)) == 1
