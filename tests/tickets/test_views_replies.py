"""The ticket page's suggested reply panel, escalate dialog and handoff panel."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.models import Customer
from tests.llm_server import LLMServer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Handoff, Ticket

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def current(ada: Customer) -> Ticket:
    ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        ["My router drops the wifi every evening.", "Please update the router firmware to 7.57."],
    )
    ticket = ticket_with_messages(
        ada,
        "Wifi drops again",
        [f"The router wifi drops every evening again. Card {CARD}. <script>alert(1)</script>"],
        close=False,
    )
    deliver_all()
    return ticket


def test_ticket_page_loads_the_suggested_reply_after_the_page(
    agent_client: Client, current: Ticket
) -> None:
    page = agent_client.get(f"/tickets/{current.pk}/").content.decode()

    assert f'hx-get="/tickets/{current.pk}/suggested-reply/"' in page
    assert "Drafting a reply" in page


def test_suggested_reply_panel_shows_the_masked_draft_and_its_sources(
    agent_client: Client, current: Ticket
) -> None:
    response = agent_client.get(f"/tickets/{current.pk}/suggested-reply/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hi Ada," in html
    assert CARD not in html
    assert "<script>alert(1)</script>" not in html
    assert re.search(r"\d+ items? masked", html)
    assert "Insert into reply" in html
    assert 'href="/tickets/' in html  # the cited past ticket links to its page


def test_suggested_reply_panel_says_when_the_model_failed(
    agent_client: Client, current: Ticket, llm_server: LLMServer
) -> None:
    llm_server.fail_next(500)

    html = agent_client.get(f"/tickets/{current.pk}/suggested-reply/").content.decode()

    assert "Offline draft: the language model answered HTTP 500." in html
    assert "Hi Ada," in html


def test_suggested_reply_panel_waits_for_the_customer_after_our_reply(
    agent_client: Client, current: Ticket
) -> None:
    agent_client.post(
        f"/tickets/{current.pk}/reply/", {"body": "Please update the router firmware to 7.57."}
    )

    html = agent_client.get(f"/tickets/{current.pk}/suggested-reply/").content.decode()

    assert "Waiting for the customer&#x27;s reply — no draft needed yet." in html
    assert "data-waiting-for-customer" in html
    assert "Hi Ada," not in html
    assert "Insert into reply" not in html


def test_escalate_button_opens_a_dialog_with_reason_and_agent(
    agent_client: Client, current: Ticket, other_agent: User
) -> None:
    html = agent_client.get(f"/tickets/{current.pk}/").content.decode()

    assert 'data-escalate data-dialog="#escalate-dialog"' in html
    assert f'action="/tickets/{current.pk}/escalate/"' in html
    assert "Next available agent" in html
    assert '<option value="tom">' in html


def test_escalating_from_the_page_shows_the_handoff_to_the_assignee(
    agent_client: Client, current: Ticket, other_agent: User, client: Client
) -> None:
    response = agent_client.post(
        f"/tickets/{current.pk}/escalate/", {"reason": "Needs a technician", "assign_to": "tom"}
    )

    assert response.status_code == 302
    page = agent_client.get(response.url).content.decode()
    assert "escalated to tom" in page
    assert "Needs a technician" in page
    client.force_login(other_agent)
    assignee_page = client.get(f"/tickets/{current.pk}/").content.decode()
    assert 'id="handoff-panel"' in assignee_page
    assert "for you" in assignee_page
    assert CARD not in assignee_page.split('id="handoff-panel"')[1].split("</section>")[0]


def test_escalate_button_is_disabled_once_escalated(
    agent_client: Client, current: Ticket, other_agent: User
) -> None:
    agent_client.post(f"/tickets/{current.pk}/escalate/", {"reason": "x"})

    html = agent_client.get(f"/tickets/{current.pk}/").content.decode()

    assert "data-escalate" not in html
    assert 'title="This ticket is escalated"' in html


def test_escalating_again_from_the_page_explains_the_conflict(
    agent_client: Client, current: Ticket, other_agent: User
) -> None:
    agent_client.post(f"/tickets/{current.pk}/escalate/", {"reason": "x"})

    response = agent_client.post(f"/tickets/{current.pk}/escalate/", {"reason": "x"}, follow=True)

    assert "is already escalated" in response.content.decode()
    assert Handoff.objects.count() == 1


def test_escalate_without_a_reason_is_a_400_with_the_error(
    agent_client: Client, current: Ticket
) -> None:
    response = agent_client.post(f"/tickets/{current.pk}/escalate/", {"reason": ""})

    assert response.status_code == 400
    assert "Escalation: This field is required." in response.content.decode()


def test_readonly_agent_cannot_escalate(readonly_client: Client, current: Ticket) -> None:
    html = readonly_client.get(f"/tickets/{current.pk}/").content.decode()

    assert "escalate-dialog" not in html
    assert (
        readonly_client.post(f"/tickets/{current.pk}/escalate/", {"reason": "x"}).status_code == 403
    )


def test_opening_a_ticket_twice_costs_one_model_call_and_regenerate_another(
    agent_client: Client, current: Ticket, llm_server: LLMServer
) -> None:
    llm_server.reply_with("Hi {first_name}, first draft.", "Hi {first_name}, second draft.")
    panel = f"/tickets/{current.pk}/suggested-reply/"

    first = agent_client.get(panel).content.decode()
    again = agent_client.get(panel).content.decode()
    fresh = agent_client.get(panel + "?fresh=1").content.decode()

    assert "first draft" in first
    assert "first draft" in again
    assert "second draft" in fresh
    assert len(llm_server.requests) == 2
    assert f'hx-get="{panel}?fresh=1"' in first
