"""E-mail in: a raw mail becomes a customer's message on their ticket, once.

`inbound_mail_receive` is the one entry for every way mail arrives (the API endpoint now;
an IMAP poller or a provider's webhook later). The ticket services write the ticket and
the message, so the memory mirror and its masking apply as for any customer message.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_for_email
from helpdesk.channels.models import Attachment, InboundMail
from helpdesk.channels.selectors import (
    inbound_mail_by_mail_id,
    is_own_outgoing_mail,
    ticket_for_mail,
)
from helpdesk.mail import IgnoreReason, mail_parse
from helpdesk.mail import InboundMail as ParsedMail
from tickets import services as ticket_services
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

# "Re:", "AW:", "Fwd:"... and the reference in brackets, taken off a new ticket's subject.
_SUBJECT_PREFIXES = re.compile(
    r"^\s*((re|aw|sv|vs|antw|ref|fwd?|wg|tr|rv|i)\s*(\[\d+\])?\s*:\s*|\[T-\d+\]\s*)+",
    re.IGNORECASE,
)
NO_SUBJECT = "(no subject)"
EXTERNAL_ID_MAX_LENGTH = 128
SENDER_MAX_LENGTH = 254  # what an address may be (RFC 5321), and what a customer's e-mail holds


@dataclass(frozen=True)
class MailOutcome:
    """What became of one mail: a new message, one taken in before, or ignored (and why)."""

    ticket: Ticket | None = None
    message: Message | None = None
    is_new: bool = False
    created_ticket: bool = False
    ignored: str = ""
    attachments: tuple[Attachment, ...] = ()


def ticket_subject(subject: str) -> str:
    """A new ticket's subject from a mail's: reply and forward prefixes taken off."""
    return _SUBJECT_PREFIXES.sub("", subject).strip()[:200] or NO_SUBJECT


def size_text(size: int) -> str:
    """A size as people read it: bytes, kB or MB (decimal, as mail programs show them)."""
    if size < 1_000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1_000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def message_body(mail: ParsedMail) -> tuple[str, bool]:
    """The message's text and whether it was cut to the length a message may have.

    Files over the size limit are named at the end; a mail with files and no text says so.
    """
    limit = settings.MESSAGE_BODY_MAX_LENGTH
    notes = [
        f"[Attachment {skipped.filename} ({size_text(skipped.size)}) was not kept: over the "
        f"{size_text(settings.INBOUND_EMAIL_ATTACHMENT_MAX_BYTES)} limit.]"
        for skipped in mail.skipped_attachments
    ]
    text = mail.text
    if not text and (mail.attachments or notes):
        names = ", ".join(attachment.filename for attachment in mail.attachments)
        text = f"[No text; attachments: {names}]" if names else "[No text.]"
    if not text:
        raise ValidationError({"body": "The e-mail has no text and no attachments."})
    footer = "\n\n".join(notes)
    room = limit - (len(footer) + 2 if footer else 0)
    is_cut = len(text) > room
    if is_cut:
        marker = "\n\n[The mail was longer; its whole text is attached as message.txt.]"
        text = text[: room - len(marker)].rstrip() + marker
    return (f"{text}\n\n{footer}" if footer else text), is_cut


def _attachment_store(
    *, message: Message, filename: str, content_type: str, content: bytes, is_inline: bool
) -> Attachment:
    attachment = Attachment(
        message=message,
        filename=filename,
        content_type=content_type[:100],
        size=len(content),
        is_inline=is_inline,
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _record(
    *, mail: ParsedMail, ticket: Ticket, body: str, posted_by: ticket_services.Actor
) -> Message:
    external_id = mail.message_id if len(mail.message_id) <= EXTERNAL_ID_MAX_LENGTH else None
    return ticket_services.message_record(
        ticket=ticket,
        role=Message.Role.CUSTOMER,
        body=body,
        external_id=external_id,
        posted_by=posted_by,
    ).message


def _ticket_open(mail: ParsedMail, customer: Customer, posted_by: ticket_services.Actor) -> Ticket:
    """A new e-mail ticket for the mail, named by its subject."""
    return ticket_services.ticket_create(
        customer=customer,
        subject=ticket_subject(mail.subject),
        channel=Ticket.Channel.EMAIL,
        actor=posted_by,
    )


@transaction.atomic
def _take_in(mail: ParsedMail, posted_by: ticket_services.Actor) -> MailOutcome:
    body, is_cut = message_body(mail)
    customer = customer_for_email(email=mail.sender, name=mail.sender_name)
    ticket = ticket_for_mail(customer=customer, thread_ids=mail.thread_ids, subject=mail.subject)
    created_ticket = ticket is None
    if ticket is None:
        ticket = _ticket_open(mail, customer, posted_by)
    try:
        message = _record(mail=mail, ticket=ticket, body=body, posted_by=posted_by)
    except ticket_services.TicketConflictError:
        # Closed between the choice and the write: a follow-up ticket, as for any closed one.
        ticket = _ticket_open(mail, customer, posted_by)
        created_ticket = True
        message = _record(mail=mail, ticket=ticket, body=body, posted_by=posted_by)
    InboundMail.objects.create(mail_id=mail.message_id, message=message, sent_at=mail.sent_at)
    files = [
        (attachment.filename, attachment.content_type, attachment.content, attachment.is_inline)
        for attachment in mail.attachments
    ]
    if is_cut:
        files.append(("message.txt", "text/plain", mail.full_text.encode(), False))
    attachments = tuple(
        _attachment_store(
            message=message,
            filename=filename,
            content_type=content_type,
            content=content,
            is_inline=is_inline,
        )
        for filename, content_type, content, is_inline in files
    )
    return MailOutcome(
        ticket=ticket,
        message=message,
        is_new=True,
        created_ticket=created_ticket,
        attachments=attachments,
    )


def _taken_before(record: InboundMail) -> MailOutcome:
    if record.message is None:
        return MailOutcome(ignored=record.ignored_reason)
    return MailOutcome(
        ticket=record.message.ticket,
        message=record.message,
        attachments=tuple(record.message.attachments.order_by("id")),
    )


def _ignore(mail: ParsedMail, reason: str) -> MailOutcome:
    logger.info("Inbound mail <%s> ignored: %s", mail.message_id, reason)
    try:
        with transaction.atomic():
            InboundMail.objects.get_or_create(
                mail_id=mail.message_id,
                defaults={"ignored_reason": reason, "sent_at": mail.sent_at},
            )
    except IntegrityError:
        pass  # taken in meanwhile by a concurrent post of the same mail
    return MailOutcome(ignored=reason)


def _over_sender_limit(sender: str) -> bool:
    """Has this address had `INBOUND_EMAIL_SENDER_HOURLY_LIMIT` mails taken in within the
    last hour? (Mail ignored as a flood is not counted: the flood stays out until the
    hour has moved on past the mails that were taken.)"""
    limit = settings.INBOUND_EMAIL_SENDER_HOURLY_LIMIT
    if not limit:
        return False
    since = timezone.now() - datetime.timedelta(hours=1)
    taken = InboundMail.objects.filter(
        received_at__gte=since, message__ticket__customer__email__iexact=sender
    )
    return taken[:limit].count() >= limit


def _is_address(value: str) -> bool:
    if len(value) > SENDER_MAX_LENGTH:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def inbound_mail_receive(*, raw: bytes, posted_by: ticket_services.Actor = None) -> MailOutcome:
    """Take in one raw RFC 5322 mail, at most once per Message-ID.

    Auto-replies, delivery reports and loops (from our own address, or bearing the
    Message-ID of a mail we sent) are ignored (kept only as an `InboundMail` row
    that says why, and logged); they never become a message, so they are never answered.
    A person's mail finds or creates its customer by the sender's address, continues their
    ticket (`ticket_for_mail`) or opens one, and keeps its attachments. Bad input raises
    `UnreadableMailError` or `ValidationError` (400), `MailTooLargeError` (413).
    """
    mail = mail_parse(
        raw,
        max_bytes=settings.INBOUND_EMAIL_MAX_BYTES,
        attachment_max_bytes=settings.INBOUND_EMAIL_ATTACHMENT_MAX_BYTES,
        own_addresses=settings.SUPPORT_EMAIL_ADDRESSES,
    )
    if not mail.ignored and is_own_outgoing_mail(mail.message_id):
        # One of our own replies came back (a forwarding rule, a list): never a message.
        mail = dataclasses.replace(mail, ignored=IgnoreReason.LOOP)
    if mail.ignored:
        return _ignore(mail, str(mail.ignored))
    if not _is_address(mail.sender):
        raise ValidationError({"from": "The sender's address is not a valid e-mail address."})
    record = inbound_mail_by_mail_id(mail.message_id)
    if record is not None:
        return _taken_before(record)
    if _over_sender_limit(mail.sender):
        logger.warning("Mail from %s is over its hourly limit: ignored", mail.sender)
        return _ignore(mail, InboundMail.IgnoredReason.FLOOD)
    try:
        return _take_in(mail, posted_by)
    except IntegrityError:
        # The same Message-ID taken in by a concurrent post: answer as for a repeat.
        record = inbound_mail_by_mail_id(mail.message_id)
        if record is None:
            raise
        return _taken_before(record)
