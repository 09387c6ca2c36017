"""The ticket page's memory panels, the context API and memory deletion, on the embedded engine."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customers.models import Customer, CustomerEvent
from helpdesk.memory.backends import get_backend, reset_backend
from helpdesk.memory.models import Memory
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.types import MemoryBackendError
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(ada: Customer) -> dict[str, Ticket]:
    past = ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        [
            "My Fritzbox router drops the wifi every evening. I prefer to be contacted by email.",
            "Please update the firmware to 7.57.",
        ],
        close=True,
    )
    other = ticket_with_messages(ada, "Invoice", ["I was charged twice on my invoice."], close=True)
    current = ticket_with_messages(
        ada, "Wifi again", ["The wifi dropped again tonight."], close=False
    )
    deliver_all()
    return {"past": past, "other": other, "current": current}


def test_context_ranks_the_past_ticket_about_the_same_issue_first(history) -> None:
    context = ticket_context(ticket=history["current"])

    assert context.query == "The wifi dropped again tonight."
    assert context.related_tickets[0].ticket_id == history["past"].pk
    assert history["current"].pk not in {r.ticket_id for r in context.related_tickets}
    assert {(fact.kind, fact.text) for fact in context.profile} >= {
        ("device", "Has a Fritzbox router"),
        ("contact", "Prefers e-mail"),
    }
    assert context.pending_sync == 0


def test_context_api_matches_the_contract(api_client: APIClient, history) -> None:
    response = api_client.get(f"/api/tickets/{history['current'].pk}/context/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "query", "profile", "ticket_memories", "related_tickets", "recurring_issues", "pending_sync"
    }  # fmt: skip
    first = body["related_tickets"][0]
    assert first["ticket"] == history["past"].pk
    assert first["reference"] == history["past"].reference
    assert set(first) >= {"subject", "score", "snippet", "status", "created_at"}
    assert body["profile"][0]["source_ticket"] == history["past"].pk


def test_context_api_takes_an_explicit_query(api_client: APIClient, history) -> None:
    response = api_client.get(
        f"/api/tickets/{history['current'].pk}/context/", {"query": "charged twice invoice"}
    )

    assert response.json()["related_tickets"][0]["ticket"] == history["other"].pk


def test_context_api_counts_messages_not_yet_in_memory(api_client: APIClient, history) -> None:
    services.message_record(ticket=history["current"], role="customer", body="Still down")

    response = api_client.get(f"/api/tickets/{history['current'].pk}/context/")

    assert response.json()["pending_sync"] == 1


def test_memory_panels_render_with_sources_and_escaped_text(
    agent_client: Client, ada: Customer, history
) -> None:
    # A profile fact never holds markup now; a past ticket's snippet still may.
    ticket_with_messages(
        ada, "Odd", ["The wifi dropped again <script>alert(1)</script> tonight."], close=True
    )
    deliver_all()

    response = agent_client.get(f"/tickets/{history['current'].pk}/context/")

    html = response.content.decode()
    assert response.status_code == 200
    assert history["past"].reference in html
    assert f"/tickets/{history['past'].pk}/#message-" in html
    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html


def test_memory_panels_show_a_quiet_notice_when_memory_fails(
    agent_client: Client, history, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise MemoryBackendError("down", retryable=True)

    monkeypatch.setattr(get_backend(), "customer_profile", broken)

    response = agent_client.get(f"/tickets/{history['current'].pk}/context/")

    assert response.status_code == 200
    assert "Memory is unavailable right now" in response.content.decode()


def test_customer_memory_api_lists_profile_facts(api_client: APIClient, ada, history) -> None:
    response = api_client.get(f"/api/customers/{ada.pk}/memory/")

    assert response.status_code == 200
    assert any("Fritzbox" in fact["text"] for fact in response.json()["profile"])


def test_deleting_a_memory_reaches_the_backend_and_is_audited(
    agent_client: Client, ada: Customer, history
) -> None:
    fact = Memory.objects.get(kind=Memory.Kind.PROFILE, text__contains="Fritzbox")

    response = agent_client.post(
        f"/customers/{ada.pk}/memories/delete/",
        {"memory_id": fact.pk, "text": fact.text, "source_ticket": history["past"].pk},
    )
    deliver_all()

    assert response.status_code == 302
    assert not Memory.objects.filter(pk=fact.pk).exists()
    event = CustomerEvent.objects.get(customer=ada)
    assert "Fritzbox" in event.note
    assert event.actor.username == "maria"
    assert TicketEvent.objects.filter(
        ticket=history["past"], kind=TicketEvent.Kind.MEMORY_CHANGED
    ).exists()


def test_a_memory_of_another_customer_cannot_be_deleted(
    agent_client: Client, ada: Customer, history
) -> None:
    fact = Memory.objects.filter(customer_id=ada.pk).first()
    stranger = CustomerFactory()

    agent_client.post(f"/customers/{stranger.pk}/memories/delete/", {"memory_id": fact.pk})
    deliver_all()

    assert Memory.objects.filter(pk=fact.pk).exists()


def test_delete_redirect_never_leaves_the_site(
    agent_client: Client, ada: Customer, history
) -> None:
    response = agent_client.post(
        f"/customers/{ada.pk}/memories/delete/",
        {"memory_id": "1", "next": "https://evil.example.com/"},
    )

    assert response["Location"] == ada.get_absolute_url()


def test_correcting_a_memory_replaces_it_with_an_agent_note(
    agent_client: Client, ada: Customer, history
) -> None:
    fact = Memory.objects.get(kind=Memory.Kind.PROFILE, text__contains="Fritzbox")

    response = agent_client.post(
        f"/customers/{ada.pk}/memories/correct/",
        {
            "memory_id": fact.pk,
            "text": fact.text,
            "corrected_text": "Has a Speedport router since May.",
            "source_ticket": history["past"].pk,
            "next": f"/tickets/{history['current'].pk}/",
        },
    )
    deliver_all()

    assert response["Location"] == f"/tickets/{history['current'].pk}/"
    profile = ticket_context(ticket=history["current"]).profile
    assert profile[0].text == "Has a Speedport router since May."
    assert profile[0].kind == "agent note"
    assert all("Fritzbox" not in item.text for item in profile)
    event = CustomerEvent.objects.get(customer=ada)
    assert event.kind == CustomerEvent.Kind.MEMORY_CORRECTED
    assert "Speedport" in event.note


def test_an_empty_correction_changes_nothing(agent_client: Client, ada: Customer, history) -> None:
    fact = Memory.objects.get(kind=Memory.Kind.PROFILE, text__contains="Fritzbox")

    agent_client.post(
        f"/customers/{ada.pk}/memories/correct/",
        {"memory_id": fact.pk, "text": fact.text, "corrected_text": ""},
    )
    deliver_all()

    assert Memory.objects.filter(pk=fact.pk).exists()
    assert not CustomerEvent.objects.exists()


def test_panel_forms_return_to_the_ticket_page(agent_client: Client, history) -> None:
    response = agent_client.get(f"/tickets/{history['current'].pk}/context/")

    assert f'name="next" value="/tickets/{history["current"].pk}/"' in response.content.decode()


def _context_queries(api_client: APIClient, ticket: Ticket) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset_backend()  # a cold cache: the history is read from the database
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(f"/api/tickets/{ticket.pk}/context/").status_code == 200
    return len(queries)


def test_context_queries_do_not_grow_with_the_customers_history(api_client: APIClient) -> None:
    small, large = CustomerFactory(), CustomerFactory()
    for customer, tickets in ((small, 2), (large, 20)):
        for number in range(tickets):
            ticket_with_messages(
                customer, f"Issue {number}", [f"Problem {number} with my router", "Try this"]
            )
    small_current = ticket_with_messages(small, "Now", ["My router again"], close=False)
    large_current = ticket_with_messages(large, "Now", ["My router again"], close=False)
    deliver_all()

    assert _context_queries(api_client, large_current) == _context_queries(
        api_client, small_current
    )
