"""Escalation: hand a ticket to a human agent with a structured handoff already written.

`helpdesk.assist.escalation` writes the handoff from the ticket's memory (it may wait for the
language model); then `ticket_escalate` checks in one transaction that the ticket can still
escalate, assigns the agent, sets the status, stores the handoff and writes the audit trail.
The agent is told by email once that transaction commits. The handoff note and the e-mail
hold the masked text the composer wrote (the reason and the ticket's subject included:
`helpdesk.pii.exits`); the activity trail records the reason as the agent wrote it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string

from helpdesk.replies.composer import Handoff as WrittenHandoff
from helpdesk.text import one_line
from tickets.models import Handoff, Ticket, TicketEvent
from tickets.selectors import agent_list
from tickets.services.tickets import (
    Actor,
    TicketConflictError,
    actor_or_none,
    ticket_event_record,
    ticket_status_set,
)

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 1_000


class NoAgentAvailableError(TicketConflictError):
    """Nobody can take the ticket (no active agent)."""


def _check_can_escalate(ticket: Ticket) -> None:
    if ticket.status == Ticket.Status.ESCALATED:
        raise TicketConflictError(f"{ticket.reference} is already escalated.")
    if ticket.status == Ticket.Status.CLOSED:
        raise TicketConflictError(f"{ticket.reference} is closed.")


def agent_by_username(username: str) -> User:
    agent = agent_list().filter(username=username).first()
    if agent is None:
        raise ValidationError({"assign_to": f"No active agent is called {username!r}."})
    return agent


def next_available_agent(*, exclude: User | None = None) -> User:
    """The agent with the fewest active tickets (support agents before superusers)."""
    candidates = agent_list().annotate(
        load=Count(
            "assigned_tickets",
            filter=Q(assigned_tickets__status__in=Ticket.ACTIVE_STATUSES),
            distinct=True,
        )
    )
    if exclude is not None and candidates.exclude(pk=exclude.pk).exists():
        candidates = candidates.exclude(pk=exclude.pk)
    agent = candidates.order_by("is_superuser", "load", "username").first()
    if agent is None:
        raise NoAgentAvailableError("No agent is available to take the ticket.")
    return agent


def _notify(handoff: Handoff, *, subject: str) -> None:
    """E-mail the assignee the handoff; `subject` is the ticket's, masked by the composer."""
    agent = handoff.assigned_to
    if agent is None or not agent.email:
        return
    ticket = handoff.ticket
    context = {"handoff": handoff, "ticket": ticket, "subject": subject, "agent": agent}
    try:
        send_mail(
            # Never raw text in a header: a line break in an older subject would make
            # Django refuse the mail (BadHeaderError), and the agent would never hear of it.
            subject=one_line(f"[{ticket.reference}] escalated to you: {subject}")[:200],
            message=render_to_string("tickets/email/escalated.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[agent.email],
        )
    except Exception:  # the escalation stands; the page shows it either way
        logger.exception("Could not email %s about %s", agent.get_username(), ticket.reference)


def escalation_check(*, ticket: Ticket, reason: str, assign_to: str | None = None) -> str:
    """The reason, tidied, if the ticket can be escalated with it; else a clear error.

    Cheap: callers check before writing a handoff, which may wait for the language model."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the ticket is escalated."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"At most {REASON_MAX_LENGTH} characters."})
    _check_can_escalate(ticket)
    if assign_to:
        agent_by_username(assign_to)
    return reason


def ticket_escalate(
    *,
    ticket: Ticket,
    actor: Actor,
    reason: str,
    handoff: WrittenHandoff,
    assign_to: str | None = None,
) -> Handoff:
    """Assign a human agent (the one named, or the least busy) and store the handoff.

    `reason` goes to the activity trail; the handoff stores `handoff.reason`, the same
    reason masked by the composer."""
    reason = escalation_check(ticket=ticket, reason=reason)
    requested = agent_by_username(assign_to) if assign_to else None
    actor = actor_or_none(actor)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "assigned_to")
            .get(pk=ticket.pk)
        )
        _check_can_escalate(ticket)
        assignee = requested or next_available_agent(exclude=actor)
        previous = ticket.assigned_to.get_username() if ticket.assigned_to else ""
        update_fields = ["assigned_to", "updated_at"]
        ticket_status_set(
            ticket=ticket, status=Ticket.Status.ESCALATED, actor=actor, update_fields=update_fields
        )
        ticket.assigned_to = assignee
        ticket.save(update_fields=update_fields)
        ticket_event_record(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.ESCALATED,
            old_value=previous,
            new_value=assignee.get_username(),
            note=reason,
        )
        stored = Handoff.objects.create(
            ticket=ticket,
            assigned_to=assignee,
            escalated_by=actor,
            reason=handoff.reason,
            customer_summary=handoff.customer_summary,
            issue_summary=handoff.issue_summary,
            attempted_solutions=list(handoff.attempted_solutions),
            customer_sentiment=handoff.customer_sentiment,
            relevant_history=list(handoff.relevant_history),
            open_questions=list(handoff.open_questions),
            composer=handoff.composer,
            redactions=handoff.redactions,
        )
        transaction.on_commit(lambda: _notify(stored, subject=handoff.subject))
    return stored
