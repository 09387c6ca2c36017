"""Escalation: who gets the ticket, what the handoff holds, what the trail records."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError

from customers.models import Customer
from helpdesk.assist.escalation import ticket_escalate_with_handoff
from tests.factories import CustomerFactory, TicketFactory
from tests.llm_server import LLMServer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Handoff, Message, Ticket, TicketEvent
from tickets.services import NoAgentAvailableError, TicketConflictError, next_available_agent

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def ada() -> Customer:
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0958")


@pytest.fixture
def current(ada: Customer) -> Ticket:
    ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        ["My router drops the wifi every evening.", "Please update the firmware to 7.57."],
    )
    ticket = ticket_with_messages(
        ada,
        "Wifi drops again",
        [
            f"The wifi dropped again tonight. Charge my card {CARD} if you must.",
            "Please restart the router and tell me if the light turns green.",
            "Restarted, still no internet. Can you send a technician?",
        ],
        close=False,
    )
    deliver_all()
    return ticket


def test_escalate_assigns_the_named_agent_and_records_who_when_why(
    current: Ticket, agent: User, other_agent: User
) -> None:
    handoff = ticket_escalate_with_handoff(
        ticket=current, actor=agent, reason="Needs a technician", assign_to="tom"
    )

    current.refresh_from_db()
    assert (current.status, current.assigned_to) == (Ticket.Status.ESCALATED, other_agent)
    event = current.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert (event.actor, event.new_value, event.note) == (agent, "tom", "Needs a technician")
    assert handoff.escalated_by == agent
    assert handoff.assigned_to == other_agent


def test_handoff_is_structured_and_free_of_personal_data(current: Ticket, agent: User) -> None:
    handoff = ticket_escalate_with_handoff(
        ticket=current, actor=agent, reason="Customer asked twice"
    )

    assert "Wifi drops again" in handoff.issue_summary
    assert handoff.customer_summary.startswith("Customer since")
    assert any("restart the router" in item for item in handoff.attempted_solutions)
    assert handoff.open_questions[0] == "Can you send a technician?"
    assert handoff.customer_sentiment in {"negative", "frustrated"}
    assert handoff.relevant_history[0]["reference"] != current.reference
    assert "Wi-Fi drops every evening" in handoff.relevant_history[0]["summary"]
    stored = str(Handoff.objects.values().get(pk=handoff.pk))
    for value in (CARD, "Ada", "Lovelace", "ada@example.com", "7946 0958"):
        assert value not in stored
    assert handoff.redactions >= 1
    assert handoff.composer == "offline"


def test_next_available_agent_has_the_fewest_active_tickets(
    agent: User, other_agent: User, customer: Customer
) -> None:
    TicketFactory(customer=customer, assigned_to=agent, status=Ticket.Status.OPEN)
    TicketFactory(customer=customer, assigned_to=other_agent, status=Ticket.Status.RESOLVED)

    assert next_available_agent() == other_agent
    assert next_available_agent(exclude=other_agent) == agent


def test_escalating_agent_is_not_picked_while_another_is_free(
    current: Ticket, agent: User, other_agent: User
) -> None:
    handoff = ticket_escalate_with_handoff(ticket=current, actor=other_agent, reason="Over to you")

    assert handoff.assigned_to == agent


def test_superusers_take_tickets_only_when_no_agent_can(
    current: Ticket, superuser: User, agent: User
) -> None:
    TicketFactory(customer=current.customer, assigned_to=agent)

    assert next_available_agent() == agent


def test_escalating_twice_or_a_closed_ticket_is_a_conflict(current: Ticket, agent: User) -> None:
    ticket_escalate_with_handoff(ticket=current, actor=agent, reason="First")
    with pytest.raises(TicketConflictError, match="already escalated"):
        ticket_escalate_with_handoff(ticket=current, actor=agent, reason="Second")

    closed = TicketFactory(customer=current.customer)
    services.ticket_close(ticket=closed, status=Ticket.Status.CLOSED, actor=agent)
    with pytest.raises(TicketConflictError, match="closed"):
        ticket_escalate_with_handoff(ticket=closed, actor=agent, reason="Too late")
    assert Handoff.objects.count() == 1


def test_no_agent_at_all_is_a_conflict_and_changes_nothing(current: Ticket) -> None:
    with pytest.raises(NoAgentAvailableError):
        ticket_escalate_with_handoff(ticket=current, actor=None, reason="Bot gave up")

    current.refresh_from_db()
    assert current.status == Ticket.Status.OPEN
    assert not Handoff.objects.exists()


def test_unknown_or_non_agent_assignee_is_refused(
    current: Ticket, agent: User, non_agent: User
) -> None:
    for name in ("nobody", non_agent.username):
        with pytest.raises(ValidationError, match="No active agent"):
            ticket_escalate_with_handoff(ticket=current, actor=agent, reason="x", assign_to=name)


def test_empty_reason_is_refused(current: Ticket, agent: User) -> None:
    with pytest.raises(ValidationError, match="why"):
        ticket_escalate_with_handoff(ticket=current, actor=agent, reason="   ")


def test_assigned_agent_is_emailed_after_commit(
    current: Ticket, agent: User, other_agent: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket_escalate_with_handoff(
            ticket=current, actor=agent, reason="Needs a technician", assign_to="tom"
        )

    (email,) = mail.outbox
    assert email.to == [other_agent.email]
    assert current.reference in email.subject
    assert "Needs a technician" in email.body
    assert CARD not in email.body


def test_a_resolved_ticket_can_be_escalated_again_later(current: Ticket, agent: User) -> None:
    ticket_escalate_with_handoff(ticket=current, actor=agent, reason="First")
    services.ticket_change_status(ticket=current, status=Ticket.Status.OPEN, actor=agent)

    ticket_escalate_with_handoff(ticket=current, actor=agent, reason="It came back")

    assert list(current.handoffs.values_list("reason", flat=True)) == ["It came back", "First"]


def test_handoff_comes_from_the_model_when_configured(
    current: Ticket, agent: User, llm_server: LLMServer
) -> None:
    llm_server.reply_with(
        '{"customer_summary": "Long-time customer.", "issue_summary": "No internet since '
        f'the restart; card {CARD}.", "attempted_solutions": ["Restart"], '
        '"customer_sentiment": "furious", "open_questions": ["Technician?"]}'
    )

    handoff = ticket_escalate_with_handoff(ticket=current, actor=agent, reason="Needs a technician")

    assert handoff.composer == "llm"
    assert handoff.customer_summary == "Long-time customer."
    assert CARD not in handoff.issue_summary
    assert handoff.customer_sentiment in {"negative", "frustrated"}  # "furious" is not a label
    assert handoff.relevant_history  # always from memory, never from the model
    assert CARD not in llm_server.requests[0].text


def test_model_junk_falls_back_to_the_offline_handoff(
    current: Ticket, agent: User, llm_server: LLMServer
) -> None:
    llm_server.reply_with('{"customer_summary": 3}')

    handoff = ticket_escalate_with_handoff(ticket=current, actor=agent, reason="x")

    assert handoff.composer == "offline"
    assert handoff.issue_summary.startswith("Wifi drops again")


def test_escalation_posts_no_message(current: Ticket, agent: User) -> None:
    before = Message.objects.count()

    ticket_escalate_with_handoff(ticket=current, actor=agent, reason="x")

    assert Message.objects.count() == before


def test_a_subject_with_a_line_break_from_older_data_still_reaches_the_agent(
    current: Ticket, agent: User, other_agent: User, django_capture_on_commit_callbacks
) -> None:
    Ticket.objects.filter(pk=current.pk).update(subject="Refund\r\nBcc: everyone@example.com")
    current.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        ticket_escalate_with_handoff(ticket=current, actor=agent, reason="x", assign_to="tom")

    (email,) = mail.outbox
    assert "escalated to you: Refund " in email.subject
    assert "\n" not in email.subject
    assert "everyone@example.com" not in email.subject  # masked, as the handoff is
    assert email.to == [other_agent.email]
    email.message()  # builds the headers: no BadHeaderError


def test_the_reason_and_the_subject_leave_masked_and_the_trail_keeps_the_reason(
    current: Ticket, agent: User, other_agent: User, django_capture_on_commit_callbacks
) -> None:
    Ticket.objects.filter(pk=current.pk).update(subject=f"Card {CARD} refused")
    current.refresh_from_db()
    reason = f"Ada Lovelace wants card {CARD} refunded"

    with django_capture_on_commit_callbacks(execute=True):
        handoff = ticket_escalate_with_handoff(
            ticket=current, actor=agent, reason=reason, assign_to="tom"
        )

    (email,) = mail.outbox
    assert handoff.reason == "<PERSON_1> wants card <CARD_1> refunded"
    assert email.subject.endswith("escalated to you: Card <CARD_1> refused")
    assert "Reason: <PERSON_1> wants card <CARD_1> refunded" in email.body
    for value in (CARD, "Lovelace"):
        assert value not in f"{email.subject}\n{email.body}"
    event = current.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert event.note == reason  # the audit trail, inside, as the agent wrote it
