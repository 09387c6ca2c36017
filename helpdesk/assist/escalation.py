"""Escalate a ticket with a handoff written from what the team knows of it."""

from __future__ import annotations

from helpdesk.assist.drafts import ticket_material
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.replies import composer
from helpdesk.replies.material import Material
from tickets.models import Handoff, Ticket
from tickets.selectors import whole_ticket_query
from tickets.services import Actor, actor_or_none, escalation_check, ticket_escalate


def ticket_escalate_with_handoff(
    *,
    ticket: Ticket,
    actor: Actor,
    reason: str,
    assign_to: str | None = None,
    material: Material | None = None,
) -> Handoff:
    """Write the handoff (the model may take a while), then assign the agent and store it.

    `material` saves gathering the ticket's context again when the caller has it. Bad input
    fails before anything is written. The handoff holds the reason masked (it is shown and
    e-mailed); the activity trail records it as written.
    """
    reason = escalation_check(ticket=ticket, reason=reason, assign_to=assign_to)
    if material is None:
        context = ticket_context(ticket=ticket, query=whole_ticket_query(ticket))
        material = ticket_material(ticket=ticket, context=context, agent=actor_or_none(actor))
    return ticket_escalate(
        ticket=ticket,
        actor=actor,
        reason=reason,
        assign_to=assign_to,
        handoff=composer.compose_handoff(material, reason=reason),
    )
