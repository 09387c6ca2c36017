"""Every write to tickets and messages goes through these functions.

Each function is one transaction; actions that matter (status, priority,
assignment) also write a `TicketEvent` so the ticket page can show who did
what and when.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from helpdesk.errors import ConflictError
from helpdesk.text import require_one_line
from tickets.models import Ticket, TicketEvent
from tickets.selectors import is_agent
from tickets.services.validation import require_aware, tags_clean
from tickets.signals import ticket_done

Actor = User | AnonymousUser | None


class TicketConflictError(ConflictError):
    """The ticket's state does not allow the action."""


def actor_or_none(actor: Actor) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def ticket_event_record(
    *,
    ticket: Ticket,
    actor: Actor,
    kind: str,
    old_value: str = "",
    new_value: str = "",
    note: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor_or_none(actor),
        kind=kind,
        old_value=old_value[:200],
        new_value=new_value[:200],
        note=note,
    )


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    subject: str,
    channel: str = Ticket.Channel.CHAT,
    priority: str = Ticket.Priority.NORMAL,
    created_at: datetime.datetime | None = None,
    actor: Actor = None,
    tags: Iterable[object] = (),
) -> Ticket:
    require_aware(created_at, "created_at")
    tags = tags_clean(tags)
    subject = subject.strip()
    require_one_line(subject, field="subject", label="A subject")
    created_at = created_at or timezone.now()
    ticket = Ticket(
        customer=customer,
        subject=subject,
        channel=channel,
        priority=priority,
        created_at=created_at,
        last_message_at=created_at,
    )
    ticket.full_clean(exclude=["customer", "assigned_to"])
    ticket.save()
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor_or_none(actor),
        kind=TicketEvent.Kind.CREATED,
        new_value=ticket.status,
        created_at=created_at,
    )
    if tags:
        ticket.tags.set(tags)
    return ticket


def ticket_status_set(
    *, ticket: Ticket, status: str, actor: Actor, update_fields: list[str]
) -> None:
    old = ticket.status
    ticket.status = status
    ticket.closed_at = timezone.now() if status in Ticket.DONE_STATUSES else None
    update_fields.extend(["status", "closed_at"])
    ticket_event_record(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        old_value=old,
        new_value=status,
    )
    if old in Ticket.ACTIVE_STATUSES and status in Ticket.DONE_STATUSES:
        ticket_done.send(sender=Ticket, ticket=ticket)


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, status: str, actor: Actor) -> Ticket:
    if status not in Ticket.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == status:
        return ticket
    update_fields = ["updated_at"]
    ticket_status_set(ticket=ticket, status=status, actor=actor, update_fields=update_fields)
    ticket.save(update_fields=update_fields)
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, status: str, actor: Actor) -> Ticket:
    """Resolve or close a ticket; closing an already closed ticket is a conflict."""
    if status not in Ticket.DONE_STATUSES:
        raise ValidationError({"status": "Use 'resolved' or 'closed'."})
    current = Ticket.objects.only("status").get(pk=ticket.pk).status
    if current == Ticket.Status.CLOSED:
        raise TicketConflictError(f"{ticket.reference} is already closed.")
    if current == status:
        raise TicketConflictError(f"{ticket.reference} is already {status}.")
    return ticket_change_status(ticket=ticket, status=status, actor=actor)


@transaction.atomic
def ticket_change_priority(*, ticket: Ticket, priority: str, actor: Actor) -> Ticket:
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": f"Unknown priority {priority!r}."})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.priority == priority:
        return ticket
    ticket_event_record(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.PRIORITY_CHANGED,
        old_value=ticket.priority,
        new_value=priority,
    )
    ticket.priority = priority
    ticket.save(update_fields=["priority", "updated_at"])
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: Actor) -> Ticket:
    """Give the ticket to an agent (or to nobody with `assignee=None`)."""
    if assignee is not None and not is_agent(assignee):
        raise ValidationError({"assigned_to": f"{assignee.get_username()} is not an agent."})
    # `of=("self",)`: PostgreSQL cannot lock the nullable side of the outer join to assigned_to.
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("assigned_to")
        .get(pk=ticket.pk)
    )
    if ticket.assigned_to_id == (assignee.pk if assignee else None):
        return ticket
    ticket_event_record(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.ASSIGNED,
        old_value=ticket.assigned_to.get_username() if ticket.assigned_to else "",
        new_value=assignee.get_username() if assignee else "",
    )
    ticket.assigned_to = assignee
    ticket.save(update_fields=["assigned_to", "updated_at"])
    return ticket
