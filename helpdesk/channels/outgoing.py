"""E-mail out: an agent's (or the bot's) reply on an e-mail ticket goes to the customer.

`outgoing_mail_queue` writes an `OutgoingMail` row in the reply's own transaction (the
channels app's receiver calls it for every new message; only replies to the customer on
e-mail tickets qualify) and asks for delivery once it commits. `outgoing_mail_deliver_due`
is what the outbox worker (the in-process thread or the Celery task, the same that deliver
the memory mirror) runs: it claims due mail with the shared outbox's claim and lease, sends
it through Django's mail backend (`EMAIL_URL`), and records delivery, a retry with backoff
(the server down, a 4xx answer) or a failure for good (a 5xx answer, or after
`OUTGOING_MAIL_MAX_ATTEMPTS` tries).

Delivery is at least once: a worker that dies after the server took a mail but before it
was written down sends it again when its lease runs out, with the same Message-ID (mail
programs show one). Two workers never send the same row at the same time.
"""

from __future__ import annotations

import datetime
import logging
import re
import smtplib
import uuid
from collections.abc import Callable
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe

from helpdesk.channels.models import InboundMail, OutgoingMail
from helpdesk.outbox import (
    DeliveryReport,
    OutboxFigures,
    claim_due,
    hand_back_if_stopping,
    next_due_at,
    outbox_state,
    record_delivered,
    record_failure,
    request_delivery,
    wake_backed_off,
)
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

# Replies to the customer. Anything else (a customer's own message, and internal notes
# should they come) is never sent.
SENT_ROLES = frozenset({Message.Role.AGENT, Message.Role.BOT})
MAX_REFERENCES = 20  # the thread's first mail and the latest ones, as mail programs do
_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)
LABEL = "Outgoing mail"


def mail_domain() -> str:
    """The domain of our Message-IDs: the support address's."""
    return settings.SUPPORT_EMAIL.rpartition("@")[2].strip() or "helpdesk.invalid"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def reply_subject(ticket: Ticket) -> str:
    """`Re: <subject> [T-000042]`: the reference in brackets, for threading by subject."""
    subject = _one_line(ticket.subject)
    reference = f"[{ticket.reference}]"
    if reference not in subject:
        subject = f"{subject} {reference}"
    if not _REPLY_PREFIX.match(subject):
        subject = f"Re: {subject}"
    return subject[:300]


def thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(`In-Reply-To`, `References`) of a new mail on this ticket, ids without brackets.

    The chain is the ticket's mail in time order: what the customer sent (`InboundMail`)
    and what we sent before. We answer the customer's latest mail, or, with none, our own
    latest. Only this ticket's mail counts, so no other customer's id ever goes out.
    """
    inbound = list(
        InboundMail.objects.filter(message__ticket=ticket).values_list(
            "message__created_at", "id", "mail_id"
        )
    )
    outgoing = list(
        OutgoingMail.objects.filter(ticket=ticket).values_list("created_at", "id", "mail_id")
    )
    chain = [mail_id for _, _, mail_id in sorted(inbound + outgoing)]
    in_reply_to = max(inbound)[2] if inbound else (chain[-1] if chain else "")
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return in_reply_to, chain


def outgoing_mail_queue(message: Message) -> OutgoingMail | None:
    """Queue the mail of a new reply, in the caller's transaction, if it goes out by mail:
    a reply to the customer (agent or bot) on an e-mail ticket whose customer has an
    address. Delivery is asked for once the transaction commits."""
    if message.role not in SENT_ROLES:
        return None
    ticket = message.ticket
    if ticket.channel != Ticket.Channel.EMAIL:
        return None
    customer = ticket.customer
    if not customer.email:
        logger.warning("Reply on %s not mailed: its customer has no address", ticket.reference)
        return None
    in_reply_to, references = thread_headers(ticket)
    row = OutgoingMail.objects.create(
        ticket=ticket,
        message=message,
        mail_id=f"{uuid.uuid4().hex}.{ticket.reference.lower()}@{mail_domain()}",
        to_address=customer.email,
        to_name=_one_line(customer.name)[:200],
        subject=reply_subject(ticket),
        in_reply_to=in_reply_to,
        references=" ".join(references),
    )
    transaction.on_commit(request_delivery)
    return row


def _footer(ticket: Ticket) -> str:
    return f"Reference {ticket.reference}: answer this e-mail to add to your request."


def outgoing_mail_message(row: OutgoingMail) -> EmailMultiAlternatives:
    """The mail of a queued row: plain text and an HTML alternative (the reply escaped, its
    lines kept), From the support address, with the threading headers fixed at queue time."""
    message = row.message
    ticket = row.ticket
    headers = {"Message-ID": f"<{row.mail_id}>"}
    if row.in_reply_to:
        headers["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        headers["References"] = " ".join(f"<{mail_id}>" for mail_id in row.references.split())
    if message.role == Message.Role.BOT:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: a program answered
    text = f"{message.body}\n\n-- \n{_footer(ticket)}\n"
    html = format_html(
        '<!DOCTYPE html>\n<html><body>\n<div>{}</div>\n<p style="color:#666">{}</p>\n'
        "</body></html>\n",
        mark_safe(linebreaks(message.body, autoescape=True)),  # noqa: S308 (escaped by it)
        _footer(ticket),
    )
    to = formataddr((row.to_name, row.to_address)) if row.to_name else row.to_address
    mail = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=settings.SUPPORT_EMAIL,
        to=[to],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    return mail


def smtp_retryable(error: BaseException) -> bool:
    """Whether another try may succeed: the server down or busy (a 4xx answer) yes; a
    recipient or mail refused for good (5xx) or a mail we cannot build, no."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return not codes or any(code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPAuthenticationError):
        return True  # the server, or our settings for it: not this mail's fault
    if isinstance(error, smtplib.SMTPResponseException):
        return not 500 <= error.smtp_code < 600
    return isinstance(error, OSError)  # connection refused, reset, timed out; SMTPException


def _server_unusable(error: BaseException) -> bool:
    """An error that every mail of the pass would meet: no use trying the others now."""
    if isinstance(
        error,
        smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | smtplib.SMTPAuthenticationError,
    ):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _answer(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {_one_line(said)}".strip()


def smtp_error_text(error: BaseException) -> str:
    """An error as people read it on the ticket: the server's answer, else the error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "Recipient refused: " + "; ".join(
            _answer(code, text) for code, text in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code > 0:
        return f"The mail server answered {_answer(error.smtp_code, error.smtp_error)}"
    if isinstance(error, ConnectionRefusedError):
        return f"The mail server refused the connection ({type(error).__name__}: {error})"
    return f"{type(error).__name__}: {error}"


def _failed(row: OutgoingMail, error: BaseException) -> DeliveryReport:
    return record_failure(
        row,
        error,
        retryable=smtp_retryable(error),
        max_attempts=settings.OUTGOING_MAIL_MAX_ATTEMPTS,
        label=LABEL,
        message=smtp_error_text(error),
    )


def _send(connection: BaseEmailBackend, row: OutgoingMail) -> None:
    connection.open()  # once per pass: a no-op while the connection is open
    if connection.send_messages([outgoing_mail_message(row)]) != 1:
        raise smtplib.SMTPException("The mail backend did not send the mail.")


def outgoing_mail_deliver_due(
    *,
    limit: int = 20,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """One pass: claim the due mail and send it over one connection, oldest first.

    When the server cannot be reached (or refuses us), the mail after the one that found
    out backs off with it instead of each waiting for its own timeout. Mail claimed but
    not sent (told to stop, out of time, its lease over) goes back to the queue untouched.
    """
    rows = claim_due(
        OutgoingMail,
        limit=limit,
        lease_seconds=settings.OUTGOING_MAIL_LEASE_SECONDS,
        max_attempts=settings.OUTGOING_MAIL_MAX_ATTEMPTS,
        label="outgoing mails",
        related=("message", "ticket"),
    )
    if not rows:
        return DeliveryReport()
    report = DeliveryReport()
    connection = get_connection(fail_silently=False)
    unusable: BaseException | None = None
    try:
        for index, row in enumerate(rows):
            if hand_back_if_stopping(
                OutgoingMail, rows, index, deadline=deadline, should_stop=should_stop
            ):
                break
            if unusable is not None:
                report += _failed(row, unusable)
                continue
            try:
                _send(connection, row)
            except (OperationalError, InterfaceError):
                raise
            except Exception as error:
                if not isinstance(error, OSError):
                    logger.exception("Outgoing mail %s could not be sent", row.id)
                report += _failed(row, error)
                if _server_unusable(error):
                    unusable = error
                continue
            report += record_delivered(row)
            if row.attempts > 1:  # it had failed before: the server is back
                wake_backed_off(OutgoingMail, now=timezone.now(), label=LABEL)
    finally:
        try:
            connection.close()
        except Exception as error:  # the mail went out; a close that fails changes nothing
            logger.warning("Closing the mail connection failed: %s", error)
    if report.attempted:
        logger.info(
            "Outgoing mail: %s sent, %s retrying, %s failed",
            report.delivered,
            report.retrying,
            report.failed,
        )
    return report


def outgoing_mail_next_due_at() -> datetime.datetime | None:
    """When outgoing mail may next be claimed (a retry falls due, a lease runs out)."""
    return next_due_at(OutgoingMail)


def outgoing_mail_state(*, ticket_id: int | None = None) -> OutboxFigures:
    """The outbox figures of outgoing mail (all of it, or one ticket's)."""
    rows = OutgoingMail.objects.all()
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    return outbox_state(rows)
