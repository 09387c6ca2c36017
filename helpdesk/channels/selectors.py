"""Reads of the channels app: which ticket a mail answers, and mail taken in before."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.models import QuerySet

from customers.models import Customer
from helpdesk.channels.models import InboundMail
from tickets.models import REFERENCE_PREFIX, Ticket

# `[T-000042]` or a bare `T-000042` in a subject; the number is the ticket's id.
_REFERENCE = re.compile(rf"(?<![\w-]){re.escape(REFERENCE_PREFIX)}(\d{{1,18}})(?!\w)")


def subject_reference(subject: str) -> int | None:
    """The ticket id a subject names (the first reference in it), or None."""
    found = _REFERENCE.search(subject)
    return int(found.group(1)) if found else None


def _open_for(customer: Customer) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer=customer).exclude(status=Ticket.Status.CLOSED)


def ticket_for_mail(
    *, customer: Customer, thread_ids: Sequence[str], subject: str
) -> Ticket | None:
    """The ticket a customer's mail continues, or None for a new one.

    First by the Message-IDs it answers (the most recent first), then by the reference in
    its subject. Only the sender's own tickets count (a mail from someone else naming a
    ticket starts a new one), and never a closed ticket (a closed ticket takes no more
    messages: the mail starts a follow-up ticket).
    """
    if thread_ids:
        found = dict(
            InboundMail.objects.filter(
                mail_id__in=thread_ids,
                message__ticket__in=_open_for(customer),
            ).values_list("mail_id", "message__ticket")
        )
        for mail_id in thread_ids:
            if mail_id in found:
                return Ticket.objects.get(pk=found[mail_id])
    reference = subject_reference(subject)
    if reference is not None:
        return _open_for(customer).filter(pk=reference).first()
    return None


def inbound_mail_by_mail_id(mail_id: str) -> InboundMail | None:
    """The mail taken in with this Message-ID, with its message and ticket."""
    return InboundMail.objects.select_related("message__ticket").filter(mail_id=mail_id).first()
