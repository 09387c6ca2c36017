"""Messages on a ticket: every message, whoever writes it, is recorded here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.text import require_one_line
from tickets.models import Message, Ticket
from tickets.services.tickets import Actor, TicketConflictError, actor_or_none, ticket_status_set
from tickets.services.validation import require_aware


@dataclass(frozen=True)
class RecordedMessage:
    message: Message
    created: bool


@transaction.atomic
def message_record(
    *,
    ticket: Ticket | int,
    role: str,
    body: str,
    created_at: datetime.datetime | None = None,
    external_id: str | None = None,
    author: Actor = None,
    author_name: str = "",
) -> RecordedMessage:
    """Store a message once; a repeated `external_id` returns the stored one.

    `ticket` is the ticket or its id (`Ticket.DoesNotExist` when there is none): its row is
    read afresh and locked either way. A customer writing on a resolved ticket reopens it;
    a closed ticket takes no more messages.
    """
    # The customer comes in the same query (their name signs customer messages); only the
    # ticket row is locked. The lock also orders posts of one external id: the second
    # waits for the first to commit, then finds its message below.
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=ticket if isinstance(ticket, int) else ticket.pk)
    )
    if external_id:
        existing = Message.objects.filter(ticket=ticket, external_id=external_id).first()
        if existing is not None:
            return RecordedMessage(message=existing, created=False)
    require_aware(created_at, "created_at")
    require_one_line(author_name, field="author_name", label="An author's name")
    if not body or not body.strip():
        raise ValidationError({"body": "A message needs some text."})
    if len(body) > settings.MESSAGE_BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": f"A message is at most {settings.MESSAGE_BODY_MAX_LENGTH} characters."}
        )
    if ticket.status == Ticket.Status.CLOSED:
        raise TicketConflictError(f"{ticket.reference} is closed and takes no more messages.")

    if not author_name and role == Message.Role.CUSTOMER:
        author_name = ticket.customer.name
    message = Message(
        ticket=ticket,
        role=role,
        body=body,
        created_at=created_at or timezone.now(),
        external_id=external_id or None,
        author=actor_or_none(author),
        author_name=author_name[:200],
    )
    message.full_clean(exclude=["ticket", "author"], validate_constraints=False)
    if message.external_id is None:
        message.save()  # no unique constraint to run into: no savepoint needed
    else:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # Stored meanwhile by a writer that did not lock the ticket (the lock above
            # orders this service's own callers).
            existing = Message.objects.get(ticket=ticket, external_id=external_id)
            return RecordedMessage(message=existing, created=False)

    update_fields = ["updated_at"]
    if message.created_at > ticket.last_message_at:
        ticket.last_message_at = message.created_at
        update_fields.append("last_message_at")
    if role == Message.Role.CUSTOMER and ticket.status == Ticket.Status.RESOLVED:
        ticket_status_set(
            ticket=ticket, status=Ticket.Status.OPEN, actor=None, update_fields=update_fields
        )
    ticket.save(update_fields=update_fields)
    return RecordedMessage(message=message, created=True)
