"""POST suggested-reply, bot-reply and escalate: api.md's shapes, status codes and permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from customers.models import Customer
from tests.factories import CustomerFactory
from tests.llm_server import LLMServer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def ada() -> Customer:
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def past(ada: Customer) -> Ticket:
    return ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        ["My router drops the wifi every evening.", "Please update the router firmware to 7.57."],
    )


@pytest.fixture
def current(ada: Customer, past: Ticket) -> Ticket:
    ticket = ticket_with_messages(
        ada,
        "Wifi drops again",
        [f"The router wifi drops every evening again. My card is {CARD}."],
        close=False,
    )
    deliver_all()
    return ticket


def url(ticket: Ticket, action: str) -> str:
    return f"/api/tickets/{ticket.pk}/{action}/"


def test_suggested_reply_returns_a_masked_draft_with_sources(
    api_client: APIClient, current: Ticket, past: Ticket
) -> None:
    response = api_client.post(url(current, "suggested-reply"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"reply", "redactions", "sources"}
    assert body["reply"].startswith("Hi Ada,")
    assert CARD not in body["reply"]
    assert body["redactions"] >= 1
    assert body["sources"][0]["ticket"] == past.pk
    assert body["sources"][0]["reference"] == past.reference
    assert body["composer"] == "offline"
    assert Message.objects.filter(ticket=current).count() == 1  # a draft stores nothing


def test_suggested_reply_from_the_model_never_shows_it_the_card(
    api_client: APIClient, current: Ticket, llm_server: LLMServer
) -> None:
    llm_server.reply_with("Hi {first_name}, please update the firmware.")

    body = api_client.post(url(current, "suggested-reply")).json()

    assert body["composer"] == "llm"
    assert body["reply"] == "Hi Ada, please update the firmware."
    assert CARD not in llm_server.requests[0].text
    assert "Lovelace" not in llm_server.requests[0].text


def test_suggested_reply_says_when_the_model_failed(
    api_client: APIClient, current: Ticket, llm_server: LLMServer
) -> None:
    llm_server.fail_next(503)

    body = api_client.post(url(current, "suggested-reply")).json()

    assert body["composer"] == "offline"
    assert "HTTP 503" in body["notice"]


@pytest.mark.parametrize("role", [Message.Role.AGENT, Message.Role.BOT])
def test_no_draft_is_offered_while_our_side_wrote_last(
    api_client: APIClient, current: Ticket, role: str
) -> None:
    services.message_record(ticket=current, role=role, body="Please update the firmware to 7.57.")

    response = api_client.post(url(current, "suggested-reply"))

    assert response.status_code == 200
    body = response.json()
    assert body["reply"] == ""
    assert body["waiting_for_customer"] is True
    assert body["composer"] == "none"
    assert body["sources"] == []
    assert "Waiting for the customer's reply" in body["notice"]


def test_a_draft_is_offered_again_once_the_customer_answers(
    api_client: APIClient, current: Ticket
) -> None:
    services.message_record(ticket=current, role=Message.Role.AGENT, body="Try 7.57, please.")
    services.message_record(
        ticket=current, role=Message.Role.CUSTOMER, body="Still dropping after 7.57."
    )

    body = api_client.post(url(current, "suggested-reply")).json()

    assert body["waiting_for_customer"] is False
    assert body["reply"].startswith("Hi Ada,")


def test_a_model_is_not_asked_while_our_side_wrote_last(
    api_client: APIClient, current: Ticket, llm_server: LLMServer
) -> None:
    services.message_record(ticket=current, role=Message.Role.AGENT, body="Try 7.57, please.")

    body = api_client.post(url(current, "suggested-reply")).json()

    assert body["reply"] == ""
    assert llm_server.requests == []


@pytest.fixture
def masked_history(ada: Customer) -> Ticket:
    """A past ticket whose subject and our answer on it hold someone's personal data."""
    ticket_with_messages(
        ada,
        "Hey, Jonathan Miller! wifi drops every evening",
        [
            "My router drops the wifi every evening.",
            "Hi Jonathan Miller, thanks for waiting. Please update the router firmware to 7.57. "
            "If it drops again, mail jonathan.miller@example.com or call +44 20 7946 0958.",
        ],
    )
    ticket = ticket_with_messages(
        ada, "Wifi drops again", ["The router wifi drops every evening again."], close=False
    )
    deliver_all()
    return ticket


@pytest.mark.parametrize("action", ["suggested-reply", "bot-reply"])
def test_drafts_from_a_past_ticket_holding_personal_data_show_no_placeholder(
    api_client: APIClient, masked_history: Ticket, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The two tickets are one recurring issue, so the bot would hand over: here it answers.
    monkeypatch.setattr("helpdesk.assist.bot.handover_reason", lambda material: "")

    body = api_client.post(url(masked_history, action)).json()

    reply = body["reply"] if action == "suggested-reply" else body["draft"]["reply"]
    assert "firmware to 7.57" in reply
    assert "<" not in reply
    for value in ("Jonathan", "Miller", "example.com", "7946"):
        assert value not in reply
    if action == "bot-reply":
        stored = Message.objects.filter(ticket=masked_history).last()
        assert stored.role == Message.Role.BOT
        assert "<" not in stored.body


def test_escalate_returns_the_assignee_and_the_handoff(
    api_client: APIClient, current: Ticket, other_agent: User
) -> None:
    response = api_client.post(
        url(current, "escalate"),
        {"reason": "customer asked for a person", "assign_to": "tom"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["ticket"], body["status"], body["assigned_to"]) == (current.pk, "escalated", "tom")
    handoff = body["handoff"]
    assert set(handoff) >= {
        "customer_summary", "issue_summary", "attempted_solutions", "customer_sentiment",
        "relevant_history", "open_questions",
    }  # fmt: skip
    assert handoff["relevant_history"][0]["reference"].startswith("T-")
    assert handoff["reason"] == "customer asked for a person"
    assert handoff["escalated_by"] == "maria"


def test_escalate_picks_the_next_available_agent_by_default(
    api_client: APIClient, current: Ticket, other_agent: User
) -> None:
    body = api_client.post(url(current, "escalate"), {"reason": "x"}, format="json").json()

    assert body["assigned_to"] == "tom"  # maria asked, so tom takes it


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": "x", "assign_to": "zed"}, "assign_to"),
    ],
)
def test_escalate_refuses_bad_input_with_400(
    api_client: APIClient, current: Ticket, payload: dict, field: str
) -> None:
    response = api_client.post(url(current, "escalate"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_escalating_an_escalated_or_closed_ticket_is_409(
    api_client: APIClient, current: Ticket, past: Ticket, other_agent: User
) -> None:
    api_client.post(url(current, "escalate"), {"reason": "x"}, format="json")
    services.ticket_close(ticket=past, status=Ticket.Status.CLOSED, actor=None)

    again = api_client.post(url(current, "escalate"), {"reason": "x"}, format="json")
    closed = api_client.post(url(past, "escalate"), {"reason": "x"}, format="json")

    assert (again.status_code, closed.status_code) == (409, 409)
    assert "already escalated" in again.json()["detail"]


@pytest.fixture
def question(ada: Customer, current: Ticket) -> Ticket:
    """A new ticket about something else: nothing recurs, the customer is calm."""
    ticket = ticket_with_messages(
        ada,
        "Invoice copy",
        [f"Could you send me a copy of my last invoice? Card {CARD}."],
        close=False,
    )
    deliver_all()
    return ticket


def test_bot_reply_stores_the_draft_as_a_bot_message(
    api_client: APIClient, question: Ticket
) -> None:
    response = api_client.post(url(question, "bot-reply"))

    assert response.status_code == 200
    body = response.json()
    assert body["action"] == "replied"
    assert body["escalation"] is None
    stored = Message.objects.filter(ticket=question).last()
    assert stored.role == Message.Role.BOT
    assert body["message"]["id"] == stored.pk
    assert stored.body == body["draft"]["reply"]
    assert CARD not in stored.body


def test_bot_reply_twice_is_409_nothing_to_answer(api_client: APIClient, question: Ticket) -> None:
    api_client.post(url(question, "bot-reply"))

    response = api_client.post(url(question, "bot-reply"))

    assert response.status_code == 409
    assert "no customer message" in response.json()["detail"]


def test_bot_hands_over_when_the_issue_recurs(
    api_client: APIClient, current: Ticket, past: Ticket, other_agent: User
) -> None:
    context = api_client.get(url(current, "context")).json()
    assert context["recurs"] is True

    body = api_client.post(url(current, "bot-reply")).json()

    assert body["action"] == "escalated"
    assert "keeps coming back" in body["escalation"]["handoff"]["reason"]
    assert body["escalation"]["assigned_to"] in {"maria", "tom"}


def test_bot_hands_over_when_the_customer_asks_for_a_person(
    api_client: APIClient, question: Ticket, other_agent: User
) -> None:
    services.message_record(
        ticket=question, role=Message.Role.CUSTOMER, body="Can I talk to a real person please?"
    )

    body = api_client.post(url(question, "bot-reply")).json()

    assert body["action"] == "escalated"
    assert body["escalation"]["status"] == "escalated"
    assert body["escalation"]["handoff"]["reason"] == "The customer asked for a person."
    assert body["escalation"]["handoff"]["escalated_by"] is None
    assert body["message"]["role"] == "bot"
    assert "colleague" in body["message"]["body"]


@pytest.mark.parametrize("action", ["suggested-reply", "bot-reply", "escalate"])
def test_reply_endpoints_need_an_agent(
    action: str,
    current: Ticket,
    anonymous_api_client: APIClient,
    non_agent_api_client: APIClient,
    readonly_api_client: APIClient,
) -> None:
    assert anonymous_api_client.post(url(current, action)).status_code == 401
    assert non_agent_api_client.post(url(current, action)).status_code == 403
    assert readonly_api_client.post(url(current, action)).status_code == 403


@pytest.mark.parametrize("action", ["suggested-reply", "bot-reply", "escalate"])
def test_reply_endpoints_404_for_a_missing_ticket(api_client: APIClient, action: str) -> None:
    assert api_client.post(f"/api/tickets/999999/{action}/").status_code == 404


def test_draft_quotes_our_answer_not_the_sign_off(
    api_client: APIClient, ada: Customer, current: Ticket, past: Ticket
) -> None:
    services.message_record(ticket=past, role=Message.Role.AGENT, body="Have a great night!")

    reply = api_client.post(url(current, "suggested-reply")).json()["reply"]

    assert "firmware to 7.57" in reply
    assert "great night" not in reply
