"""A failing memory backend: recurring issues give way to a quiet notice, never an error."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory.backends import get_backend
from helpdesk.memory.selectors.context import customer_memory, ticket_context
from helpdesk.memory.types import MemoryBackendError
from tests.recurring_helpers import WifiHistory, wifi_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(ada: Customer, monkeypatch: pytest.MonkeyPatch) -> WifiHistory:
    built = wifi_history(ada)

    def broken(**kwargs: object) -> None:
        raise MemoryBackendError("down", retryable=True)

    monkeypatch.setattr(get_backend(), "recurring_candidates", broken)
    return built


def test_ticket_context_is_quietly_unavailable(history: WifiHistory) -> None:
    context = ticket_context(ticket=history.again)

    assert context.recurring_issues == ()
    assert context.recurring_for_ticket is None
    assert "Memory is unavailable" in context.unavailable


def test_customer_memory_keeps_the_profile_and_notes_recurring_issues(
    ada: Customer, history: WifiHistory
) -> None:
    memory = customer_memory(customer_id=ada.pk)

    assert memory.recurring_issues == ()
    assert memory.recurring_unavailable
    assert not memory.unavailable
    assert any("Fritzbox" in fact.text for fact in memory.profile)


def test_pages_and_api_stay_up(
    agent_client: Client, api_client: APIClient, ada: Customer, history: WifiHistory
) -> None:
    ticket_panel = agent_client.get(f"/tickets/{history.again.pk}/context/")
    customer_panels = agent_client.get(f"/customers/{ada.pk}/memory/")
    api = api_client.get(f"/api/customers/{ada.pk}/memory/")

    assert ticket_panel.status_code == customer_panels.status_code == api.status_code == 200
    assert "Recurring issues cannot be read right now." in customer_panels.content.decode()
    assert api.json()["recurring_notice"] == "Recurring issues cannot be read right now."
