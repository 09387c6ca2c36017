"""Messages on a ticket: every message, whoever writes it, is recorded here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.text import require_one_line
from tickets.models import SET_MESSAGE_AUTHOR, Message, Ticket
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
    posted_by: Actor = None,
) -> RecordedMessage:
    """Store a message once; a repeated `external_id` returns the stored one.

    `ticket` is the ticket or its id (`Ticket.DoesNotExist` when there is none): its row is
    read afresh and locked either way. A customer writing on a resolved ticket reopens it;
    a closed ticket takes no more messages.

    `posted_by` is the account posting it (an agent, or an integration through the API); it
    is stored, and only an account with `tickets.set_message_author` may sign the message
    with an `author_name` of its choosing. Without a poster (the bot, the demo data) the
    name is the caller's to give.
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
        existing = (
            Message.objects.filter(ticket=ticket, external_id=external_id)
            .select_related("posted_by")
            .first()
        )
        if existing is not None:
            return RecordedMessage(message=existing, created=False)
    require_aware(created_at, "created_at")
    require_one_line(author_name, field="author_name", label="An author's name")
    poster = actor_or_none(posted_by)
    if author_name and poster is not None and not poster.has_perm(SET_MESSAGE_AUTHOR):
        raise ValidationError(
            {
                "author_name": "Only integrations may sign a message with another name "
                "(permission tickets.set_message_author); leave it out and the message "
                "shows who posted it."
            }
        )
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
        posted_by=poster,
    )
    message.full_clean(exclude=["ticket", "author", "posted_by"], validate_constraints=False)
    if message.external_id is None:
        message.save()  # no unique constraint to run into: no savepoint needed
    else:
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # Stored meanwhile by a writer that did not lock the ticket (the lock above
            # orders this service's own callers).
            existing = Message.objects.select_related("posted_by").get(
                ticket=ticket, external_id=external_id
            )
            return RecordedMessage(message=existing, created=False)

    update_fields = ["updated_at"]
    if role != Message.Role.NOTE and message.created_at > ticket.last_message_at:
        ticket.last_message_at = message.created_at
        update_fields.append("last_message_at")
    if role == Message.Role.CUSTOMER and ticket.status == Ticket.Status.RESOLVED:
        ticket_status_set(
            ticket=ticket, status=Ticket.Status.OPEN, actor=None, update_fields=update_fields
        )
    ticket.save(update_fields=update_fields)
    return RecordedMessage(message=message, created=True)
