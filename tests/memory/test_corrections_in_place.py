"""A correction or a deletion shows at once: the panel it was made in comes back with the
change (htmx swaps it), and every page hides a memory whose deletion is still queued."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory.models import Memory, MirrorEntry
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CORRECTED = "Has a Speedport router since May."


@pytest.fixture
def history(ada: Customer) -> dict[str, Ticket]:
    past = ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        ["My Fritzbox router drops the wifi every evening.", "Please update the firmware."],
        close=True,
    )
    current = ticket_with_messages(ada, "Wifi again", ["The wifi dropped again."], close=False)
    deliver_all()
    return {"past": past, "current": current}


@pytest.fixture
def fact(history: dict[str, Ticket]) -> Memory:
    return Memory.objects.get(kind=Memory.Kind.PROFILE, text__contains="Fritzbox")


def _profile(page: str) -> str:
    """The profile panel of a page (the past tickets and the audit trail may still quote the
    wrong memory's words: the customer wrote them)."""
    return page.split('id="profile-panel"', 1)[1].split("</section>", 1)[0]


def _correct(client: Client, customer: Customer, fact: Memory, **extra: object):
    return client.post(
        f"/customers/{customer.pk}/memories/correct/",
        {"memory_id": fact.pk, "text": fact.text, "corrected_text": CORRECTED, **extra},
        **HTMX,
    )


def test_a_correction_on_the_ticket_page_swaps_in_the_corrected_panels(
    agent_client: Client, ada: Customer, history, fact: Memory
) -> None:
    page = agent_client.get(f"/tickets/{history['current'].pk}/context/").content.decode()
    assert 'hx-target="#memory-panels"' in page
    assert f'name="panel_ticket" value="{history["current"].pk}"' in page

    response = _correct(agent_client, ada, fact, panel_ticket=history["current"].pk)

    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert CORRECTED in _profile(body)
    assert "Fritzbox" not in _profile(body)  # the backend was not told yet: hidden anyway
    assert "Memory corrected" in body
    assert 'id="profile-panel"' in body
    assert MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MEMORY_DELETED).get().state == (
        MirrorEntry.State.PENDING
    )


def test_a_correction_on_the_customer_page_swaps_in_the_corrected_profile(
    agent_client: Client, ada: Customer, fact: Memory
) -> None:
    response = _correct(agent_client, ada, fact)

    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert 'id="profile-panel"' in body
    assert CORRECTED in body
    assert "Fritzbox" not in body


def test_a_deletion_swaps_in_the_panel_without_the_memory(
    agent_client: Client, ada: Customer, fact: Memory
) -> None:
    response = agent_client.post(
        f"/customers/{ada.pk}/memories/delete/",
        {"memory_id": fact.pk, "text": fact.text},
        **HTMX,
    )

    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Memory deleted." in body
    assert "Fritzbox" not in body


def test_a_refused_correction_says_why_in_the_panel_and_keeps_the_memory(
    agent_client: Client, ada: Customer, fact: Memory
) -> None:
    response = agent_client.post(
        f"/customers/{ada.pk}/memories/correct/",
        {"memory_id": fact.pk, "text": fact.text, "corrected_text": ""},
        **HTMX,
    )

    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Write what is true instead" in body
    assert "Fritzbox" in body


def test_without_htmx_the_page_reloaded_after_a_correction_shows_it_at_once(
    agent_client: Client, api_client: APIClient, ada: Customer, history, fact: Memory
) -> None:
    response = agent_client.post(
        f"/customers/{ada.pk}/memories/correct/",
        {
            "memory_id": fact.pk,
            "text": fact.text,
            "corrected_text": CORRECTED,
            "next": f"/tickets/{history['current'].pk}/",
        },
    )
    assert response.status_code == 302

    panels = html.unescape(
        agent_client.get(f"/tickets/{history['current'].pk}/context/").content.decode()
    )
    customer_page = html.unescape(agent_client.get(f"/customers/{ada.pk}/memory/").content.decode())
    api = api_client.get(f"/api/customers/{ada.pk}/memory/").json()["profile"]

    for shown in (_profile(panels), _profile(customer_page)):
        assert CORRECTED in shown
        assert "Fritzbox" not in shown
    assert [item["text"] for item in api if "Fritzbox" in item["text"]] == []
    assert Memory.objects.filter(pk=fact.pk).exists()  # still queued: hidden, not yet gone


def test_a_memory_of_which_the_deletion_failed_stays_hidden(
    agent_client: Client, ada: Customer, fact: Memory
) -> None:
    agent_client.post(
        f"/customers/{ada.pk}/memories/delete/", {"memory_id": fact.pk, "text": fact.text}
    )
    MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MEMORY_DELETED).update(
        state=MirrorEntry.State.FAILED
    )

    page = html.unescape(agent_client.get(f"/customers/{ada.pk}/memory/").content.decode())

    assert "Fritzbox" not in _profile(page)
