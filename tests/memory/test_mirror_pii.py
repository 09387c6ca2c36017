"""What the mirror sends a hosted memory service: never secrets; contact details per setting."""

from __future__ import annotations

import json

import pytest
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.models import Memory, MemoryDocument, MemoryGroup
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all
from tickets import services
from tickets.models import Message

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
BODY = f"Ada Lovelace here, ada@example.com. Card {CARD}, IBAN {IBAN}, password: hunter2!"


@pytest.fixture
def ada() -> Customer:
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", external_id="crm-4711")


def deliver_one(ada: Customer, backend: EverMemOSBackend, server: EverMemOSServer) -> str:
    ticket = services.ticket_create(customer=ada, subject="Billing for crm-4711")
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body=BODY)
    deliver_all(backend)
    return json.dumps([r.json for r in server.requests if r.json is not None])


def test_secrets_never_reach_the_memory_service(
    ada: Customer, evermemos_backend: EverMemOSBackend, evermemos_server: EverMemOSServer
) -> None:
    sent = deliver_one(ada, evermemos_backend, evermemos_server)

    for secret in (CARD, IBAN, "hunter2", "crm-4711"):
        assert secret not in sent
    assert "<CARD_1>" in sent
    assert "ada@example.com" in sent  # contact details go by default
    assert "Ada Lovelace" in sent


def test_contact_details_are_masked_when_the_setting_says_so(
    ada: Customer,
    evermemos_backend: EverMemOSBackend,
    evermemos_server: EverMemOSServer,
    settings: Settings,
) -> None:
    settings.MEMORY_MASK_CONTACTS = True

    sent = deliver_one(ada, evermemos_backend, evermemos_server)

    for value in (CARD, IBAN, "hunter2", "ada@example.com", "Lovelace"):
        assert value not in sent
    assert "<EMAIL_1>" in sent
    (message,) = evermemos_server.messages(ids.group_id(ada.tickets.get().pk))
    assert message["sender_name"] == "Customer"


def _engine_text() -> str:
    """Everything the embedded engine stores, as one text."""
    rows = [
        *MemoryGroup.objects.values_list("name", "subject", "customer_name"),
        *MemoryDocument.objects.values_list("speaker", "text"),
        *Memory.objects.values_list("text", flat=False),
    ]
    return json.dumps(rows)


def test_the_embedded_engine_stores_and_learns_from_the_masked_text_only(ada: Customer) -> None:
    ticket = services.ticket_create(customer=ada, subject=f"Card {CARD} declined for crm-4711")
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body=BODY)
    services.message_record(
        ticket=ticket, role=Message.Role.AGENT, body="Thanks Ada, we have blocked that card."
    )
    services.ticket_close(ticket=ticket, status="resolved", actor=None)
    deliver_all()

    stored = _engine_text()
    assert Memory.objects.filter(ticket_id=ticket.pk).exists(), "extracted on closing"
    assert "<CARD_1>" in stored
    for secret in (CARD, IBAN, "hunter2", "crm-4711"):
        assert secret not in stored


def test_searches_send_the_customers_words_masked(
    ada: Customer, use_evermemos: EverMemOSServer, agent_client
) -> None:
    earlier = services.ticket_create(customer=ada, subject="Refund")
    services.message_record(ticket=earlier, role=Message.Role.CUSTOMER, body="Refund please.")
    ticket = services.ticket_create(customer=ada, subject="Card trouble")
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body=BODY)
    deliver_all()
    before = len(use_evermemos.requests)

    response = agent_client.get(f"/api/tickets/{ticket.pk}/context/")

    assert response.status_code == 200
    searches = [r for r in use_evermemos.requests[before:] if "search" in r.path]
    assert searches, "the context asks the memory service"
    asked = json.dumps([(r.path, r.query, r.json) for r in searches])
    for secret in (CARD, IBAN, "hunter2", "crm-4711"):
        assert secret not in asked
    assert "<CARD_1>" in asked


def test_a_memory_corrections_lookup_asks_with_the_text_masked(
    ada: Customer, use_evermemos: EverMemOSServer, agent_client
) -> None:
    ticket = services.ticket_create(customer=ada, subject="Card trouble")
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body=BODY)
    deliver_all()
    before = len(use_evermemos.requests)

    # The page sends back the text it showed, to help find the memory; a form can say anything.
    agent_client.post(f"/customers/{ada.pk}/memories/delete/", {"memory_id": "m1", "text": BODY})

    asked = json.dumps([(r.path, r.query) for r in use_evermemos.requests[before:]])
    assert "/memories/search" in asked
    for secret in (CARD, IBAN, "hunter2", "crm-4711"):
        assert secret not in asked
    assert "<CARD_1>" in asked
