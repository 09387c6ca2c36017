"""The embedded engine's customer profile: one fact per single-valued category, the newest."""

from __future__ import annotations

import pytest
from django.test import Client

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db


def test_the_newest_ticket_wins_where_the_customer_lives_and_their_plan(ada: Customer) -> None:
    ticket_with_messages(ada, "Move", ["I live in Berlin. I'm a silver member."], close=True)
    ticket_with_messages(ada, "Router", ["I have a Fritzbox 7590 router."], close=True)
    ticket_with_messages(ada, "Moved", ["I live in Hamburg now. I'm a gold member."], close=True)
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)

    profile = backend.customer_profile(customer_id=ids.customer_id(ada.pk))

    assert sorted((fact.kind, fact.text) for fact in profile) == [
        ("device", "Has a Fritzbox 7590 router"),
        ("location", "Lives in Hamburg"),
        ("plan", "Gold member"),
    ]
    assert [fact.label for fact in profile if fact.kind == "plan"] == ["Plan"]


def test_the_panel_shows_each_fact_under_its_categorys_label(
    agent_client: Client, ada: Customer
) -> None:
    ticket_with_messages(ada, "Router", ["I have a Fritzbox 7590 router. I'm on Windows 11."])
    current = ticket_with_messages(ada, "Again", ["The router drops again."], close=False)
    deliver_all()

    html = agent_client.get(f"/tickets/{current.pk}/context/").content.decode()

    assert '<span class="badge badge-kind">Device</span> Has a Fritzbox 7590 router' in html
    assert '<span class="badge badge-kind">OS</span> Windows 11' in html


def test_an_open_tickets_memories_name_each_facts_category(ada: Customer) -> None:
    backend = EmbeddedBackend(embedder=None)
    current = ticket_with_messages(
        ada, "Router", ["I have a Fritzbox 7590 router. I'm on Windows 11."], close=False
    )
    deliver_all(backend)

    memories = backend.ticket_memories(
        customer_id=ids.customer_id(ada.pk), group_id=ids.group_id(current.pk)
    )

    assert [memory.text for memory in memories] == [
        "Device: Has a Fritzbox 7590 router",
        "OS: Windows 11",
    ]
