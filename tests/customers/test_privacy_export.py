"""`customer_export`: everything we hold about one customer, memories included, as JSON."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.memory.services.corrections import memory_correct
from helpdesk.privacy import EXPORT_SCHEMA_VERSION, customer_export
from tests.customers.privacy_helpers import ROUTER, history_of
from tests.mirror_helpers import ticket_with_messages

pytestmark = pytest.mark.django_db


def test_export_holds_the_record_tickets_messages_events_and_handoffs(
    customer: Customer, agent: User, other_agent: User
) -> None:
    resolved, escalated = history_of(customer, agent)

    data = customer_export(customer=customer)

    assert data["schema_version"] == EXPORT_SCHEMA_VERSION
    assert data["customer"]["external_id"] == "crm-4711"
    assert data["customer"]["email"] == "ada@example.com"
    assert [t["id"] for t in data["tickets"]] == [resolved.pk, escalated.pk]
    first, second = data["tickets"]
    assert first["messages"][0]["body"] == ROUTER
    assert {e["kind"] for e in first["events"]} >= {"created", "status_changed"}
    assert second["status"] == "escalated"
    assert second["handoffs"][0]["reason"] == "customer asked for a person"
    assert second["handoffs"][0]["escalated_by"] == "maria"


def test_export_holds_what_the_embedded_memory_learned(customer: Customer, agent: User) -> None:
    history_of(customer, agent)

    data = customer_export(customer=customer)

    assert data["memory"]["backend"] == "embedded"
    assert data["memory"]["available"] is True
    profile = [fact["text"] for fact in data["memory"]["profile"]]
    assert "Has a Fritzbox 7590 router" in profile
    assert data["tickets"][0]["memories"], "the resolved ticket's memories"
    assert all(m["memory_id"] for m in data["tickets"][0]["memories"])


def test_export_holds_agent_notes_and_the_customer_audit_trail(
    customer: Customer, agent: User
) -> None:
    history_of(customer, agent)
    fact = customer_export(customer=customer)["memory"]["profile"][0]
    memory_correct(
        customer=customer,
        memory_id=fact["memory_id"],
        text=fact["text"],
        corrected_text="Has a Fritzbox 7490, not a 7590.",
        source_ticket_id=fact["source_ticket"],
        actor=agent,
    )

    data = customer_export(customer=customer)

    assert [n["text"] for n in data["memory"]["agent_notes"]] == [
        "Has a Fritzbox 7490, not a 7590."
    ]
    assert [e["kind"] for e in data["events"]] == ["memory_corrected"]
    assert data["events"][0]["actor"] == "maria"


def test_export_leaves_out_other_customers(
    customer: Customer, other_customer: Customer, agent: User
) -> None:
    history_of(customer, agent)
    ticket_with_messages(other_customer, "Charles's own problem", ["I have a Commodore 64."])

    text = json.dumps(customer_export(customer=customer), cls=DjangoJSONEncoder)

    assert "Charles" not in text
    assert "Commodore" not in text


def test_export_says_when_memory_could_not_be_read(
    customer: Customer, agent: User, settings: Settings, closed_port_url: str
) -> None:
    history_of(customer, agent)
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = closed_port_url
    settings.EVERMEMOS_CONNECT_TIMEOUT = 0.3

    data = customer_export(customer=customer)

    assert data["memory"]["available"] is False
    assert "could not be read" in data["memory"]["notice"]
    assert len(data["tickets"]) == 2, "our own records are exported all the same"
