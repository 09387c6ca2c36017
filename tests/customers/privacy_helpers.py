"""A customer with a real history: tickets, messages, an escalation, memories delivered."""

from __future__ import annotations

from django.contrib.auth.models import User

from customers.models import Customer
from helpdesk.assist.escalation import ticket_escalate_with_handoff
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket
from tickets.services import message_record

ROUTER = "Hi there. I have a Fritzbox 7590 router at home. It drops every evening."


def history_of(customer: Customer, agent: User) -> list[Ticket]:
    """Two tickets: one resolved (memories extracted), one open and escalated."""
    resolved = ticket_with_messages(
        customer,
        "Router keeps dropping",
        [ROUTER, "Please restart it and update the firmware.", "That fixed it, thanks."],
    )
    escalated = ticket_with_messages(
        customer, "Invoice is wrong", ["My invoice shows the wrong amount."], close=False
    )
    message_record(ticket=escalated, role="customer", body="I want to talk to a person.")
    ticket_escalate_with_handoff(
        ticket=escalated, actor=agent, reason="customer asked for a person"
    )
    deliver_all()
    return [resolved, escalated]
