"""Macros: a canned reply written out for one ticket, and what it does when it is sent."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from tickets.models import Macro, Ticket, user_display_name
from tickets.services.tags import ticket_set_tags
from tickets.services.tickets import ticket_change_priority, ticket_change_status
from tickets.services.validation import tags_clean

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def macro_render(macro: Macro, *, ticket: Ticket, agent: User) -> str:
    """The macro's text for this ticket, sent by `agent`; an unknown placeholder stays as
    written (the agent sees it before sending)."""
    agent_name = user_display_name(agent)
    values = {
        "first_name": ticket.customer.first_name,
        "customer_name": ticket.customer.name,
        "agent_name": agent_name,
        "agent_first_name": agent.first_name or agent_name.split()[0],
        "reference": ticket.reference,
        "subject": ticket.subject,
    }
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), macro.body)


@transaction.atomic
def macro_apply(macro: Macro, *, ticket: Ticket, actor: User) -> list[str]:
    """Do what the macro does to the ticket (each change audited by its own service) and
    count the use; returns what changed, for the page to say."""
    changed = []
    if macro.set_priority and macro.set_priority != ticket.priority:
        ticket_change_priority(ticket=ticket, priority=macro.set_priority, actor=actor)
        changed.append("priority")
    if macro.add_tags:
        current = list(ticket.tags.names())
        wanted = tags_clean([*current, *macro.add_tags])
        if len(wanted) != len(current):
            ticket_set_tags(ticket=ticket, tags=wanted, actor=actor)
            changed.append("tags")
    if macro.set_status:
        ticket.refresh_from_db(fields=["status"])
        if macro.set_status != ticket.status:
            ticket_change_status(ticket=ticket, status=macro.set_status, actor=actor)
            changed.append("status")
    Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)
    return changed
