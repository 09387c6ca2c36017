"""Tags on tickets: cleaned once here, set with an audit row."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from tickets.models import Ticket, TicketEvent
from tickets.services.tickets import Actor, ticket_event_record
from tickets.services.validation import tags_clean, tags_same, tags_text

EVENT_VALUE_MAX = 200  # what a TicketEvent's from/to columns hold


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, tags: Iterable[object], actor: Actor) -> Ticket:
    """Give the ticket exactly these tags; a change is recorded in its audit trail."""
    wanted = tags_clean(tags)
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    current = list(ticket.tags.names())
    if tags_same(current, wanted):
        return ticket
    ticket.tags.set(wanted)
    ticket_event_record(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.TAGS_CHANGED,
        old_value=tags_text(current)[:EVENT_VALUE_MAX],
        new_value=tags_text(wanted)[:EVENT_VALUE_MAX],
    )
    ticket.save(update_fields=["updated_at"])
    return ticket
