"""Reads of the channels app: which ticket a mail answers, mail taken in before, files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from customers.models import Customer
from helpdesk.channels.models import Attachment, InboundMail, OutgoingMail
from tickets.models import REFERENCE_PREFIX, Message, Ticket

# `[T-000042]` or a bare `T-000042` in a subject; the number is the ticket's id.
_REFERENCE = re.compile(rf"(?<![\w-]){re.escape(REFERENCE_PREFIX)}(\d{{1,18}})(?!\w)")


def subject_reference(subject: str) -> int | None:
    """The ticket id a subject names (the first reference in it), or None."""
    found = _REFERENCE.search(subject)
    return int(found.group(1)) if found else None


def _open_for(customer: Customer) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer=customer).exclude(status=Ticket.Status.CLOSED)


def _follow_up(customer: Customer, closed: Ticket) -> Ticket | None:
    """The open ticket an earlier mail of a closed ticket's thread started, if any.

    A follow-up ticket takes the closed one's subject (`services.ticket_subject`), so a
    later mail that still answers only the closed ticket's messages joins the follow-up
    instead of opening one more ticket.
    """
    return (
        _open_for(customer)
        .filter(
            channel=Ticket.Channel.EMAIL,
            subject=closed.subject,
            created_at__gte=closed.closed_at or closed.created_at,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def ticket_for_mail(
    *, customer: Customer, thread_ids: Sequence[str], subject: str
) -> Ticket | None:
    """The ticket a customer's mail continues, or None for a new one.

    First by the Message-IDs it answers (the most recent first: mail taken in, or our own
    replies sent out), then by the reference in
    its subject. Only the sender's own tickets count (a mail from someone else naming a
    ticket starts a new one). A closed ticket takes no more messages: a mail answering one
    goes to the follow-up an earlier mail of the thread opened, else starts it.
    """
    if thread_ids:
        found = dict(
            InboundMail.objects.filter(
                mail_id__in=thread_ids, message__ticket__customer=customer
            ).values_list("mail_id", "message__ticket")
        )
        # Our own replies count too: the customer answers the mail we sent.
        found.update(
            OutgoingMail.objects.filter(
                mail_id__in=thread_ids, ticket__customer=customer
            ).values_list("mail_id", "ticket")
        )
        for mail_id in thread_ids:
            if mail_id in found:
                answered = Ticket.objects.get(pk=found[mail_id])
                if answered.status != Ticket.Status.CLOSED:
                    return answered
                return _follow_up(customer, answered)
    reference = subject_reference(subject)
    if reference is not None:
        named = Ticket.objects.filter(customer=customer, pk=reference).first()
        if named is not None and named.status == Ticket.Status.CLOSED:
            return _follow_up(customer, named)
        return named
    return None


def inbound_mail_by_mail_id(mail_id: str) -> InboundMail | None:
    """The mail taken in with this Message-ID, with its message and ticket."""
    return InboundMail.objects.select_related("message__ticket").filter(mail_id=mail_id).first()


def attachments_prefetch(messages: Iterable[Message]) -> None:
    """Load the attachments of these messages in one query (`message.attachments.all`)."""
    prefetch_related_objects(
        list(messages), Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


def is_own_outgoing_mail(mail_id: str) -> bool:
    """Whether a mail with this Message-ID is one we sent (it came back: a loop)."""
    return OutgoingMail.objects.filter(mail_id=mail_id).exists()


def outgoing_mail_prefetch(messages: Iterable[Message]) -> None:
    """Load the outgoing mail of these messages in one query (`message.outgoing_mail`)."""
    prefetch_related_objects(list(messages), "outgoing_mail")


def outgoing_mail_for(message: Message) -> OutgoingMail | None:
    """The mail a reply went out as, if it goes out by e-mail."""
    return OutgoingMail.objects.filter(message=message).first()
