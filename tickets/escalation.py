"""Escalation: hand a ticket to a human agent with a structured handoff.

The handoff is written first, outside any transaction (it may wait for the
language model); then one transaction checks the ticket can still escalate,
assigns the agent, sets the status, stores the handoff and writes the audit
trail. The agent is told by email once that transaction commits.
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

from helpdesk.memory.selectors.context import ticket_context
from helpdesk.replies import composer
from helpdesk.replies.material import Material
from tickets.drafts import ticket_material
from tickets.models import Handoff, Message, Ticket, TicketEvent
from tickets.selectors import agent_list
from tickets.services import Actor, TicketConflictError, _event, _set_status, actor_or_none

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


def whole_ticket_query(ticket: Ticket) -> str:
    """The subject and every customer message: a handoff's history is about the whole ticket."""
    bodies = Message.objects.filter(ticket=ticket, role=Message.Role.CUSTOMER).order_by(
        "created_at", "id"
    )
    return " ".join([ticket.subject, *bodies.values_list("body", flat=True)[:20]])


def _notify(handoff: Handoff) -> None:
    agent = handoff.assigned_to
    if agent is None or not agent.email:
        return
    ticket = handoff.ticket
    context = {"handoff": handoff, "ticket": ticket, "agent": agent}
    try:
        send_mail(
            subject=f"[{ticket.reference}] escalated to you: {ticket.subject}"[:200],
            message=render_to_string("tickets/email/escalated.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[agent.email],
        )
    except Exception:  # the escalation stands; the page shows it either way
        logger.exception("Could not email %s about %s", agent.get_username(), ticket.reference)


def ticket_escalate(
    *,
    ticket: Ticket,
    actor: Actor,
    reason: str,
    assign_to: str | None = None,
    material: Material | None = None,
) -> Handoff:
    """Assign a human agent (the one named, or the least busy) and store the handoff.

    `material` saves gathering the ticket's context again when the caller has it.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the ticket is escalated."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"At most {REASON_MAX_LENGTH} characters."})
    _check_can_escalate(ticket)
    requested = agent_by_username(assign_to) if assign_to else None
    actor = actor_or_none(actor)
    if material is None:
        context = ticket_context(ticket=ticket, query=whole_ticket_query(ticket))
        material = ticket_material(ticket=ticket, context=context, agent=actor)
    written = composer.compose_handoff(material)
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
        _set_status(
            ticket=ticket, status=Ticket.Status.ESCALATED, actor=actor, update_fields=update_fields
        )
        ticket.assigned_to = assignee
        ticket.save(update_fields=update_fields)
        _event(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.ESCALATED,
            old_value=previous,
            new_value=assignee.get_username(),
            note=reason,
        )
        handoff = Handoff.objects.create(
            ticket=ticket,
            assigned_to=assignee,
            escalated_by=actor,
            reason=reason,
            customer_summary=written.customer_summary,
            issue_summary=written.issue_summary,
            attempted_solutions=list(written.attempted_solutions),
            customer_sentiment=written.customer_sentiment,
            relevant_history=list(written.relevant_history),
            open_questions=list(written.open_questions),
            composer=written.composer,
            redactions=written.redactions,
        )
        transaction.on_commit(lambda: _notify(handoff))
    return handoff


def latest_handoff(ticket: Ticket) -> Handoff | None:
    return (
        Handoff.objects.filter(ticket=ticket)
        .select_related("assigned_to", "escalated_by")
        .order_by("-created_at", "-id")
        .first()
    )
