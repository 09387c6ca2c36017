"""Raw RFC 5322 bytes to an `InboundMail`: sender, threading headers, new text and files.

The standard `email` package reads the mail (policy `default`); `body` finds its new text,
`screening` says whether it is to be ignored. Nothing here touches the database: the
channels app decides what the mail becomes.
"""

from __future__ import annotations

import datetime
import email.errors
import hashlib
import mimetypes
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from helpdesk.errors import HelpdeskError
from helpdesk.mail.body import html_to_text, new_text, normalise, part_text
from helpdesk.mail.screening import IgnoreReason, ignore_reason
from helpdesk.text import one_line

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|i)\s*:", re.IGNORECASE)
_MAX_THREAD_IDS = 50
SUBJECT_MAX_LENGTH = 200
FILENAME_MAX_LENGTH = 200


class UnreadableMailError(HelpdeskError):
    """The body is not an e-mail we can read (no headers, no sender, broken structure)."""


class MailTooLargeError(HelpdeskError):
    """The mail is over the size limit."""

    status = 413


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes
    is_inline: bool

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class SkippedAttachment:
    """A file the mail carried but that is over the size limit: named, never stored."""

    filename: str
    size: int


@dataclass(frozen=True)
class InboundMail:
    message_id: str
    # Ids this mail answers, the most recent first: In-Reply-To, then References backwards.
    thread_ids: tuple[str, ...]
    sender: str
    sender_name: str
    subject: str
    sent_at: datetime.datetime | None
    text: str
    full_text: str
    attachments: tuple[InboundAttachment, ...]
    skipped_attachments: tuple[SkippedAttachment, ...]
    ignored: IgnoreReason | None
    is_forward: bool


def _header_text(value: object) -> str:
    """A header as one line of text; raw 8-bit bytes (no RFC 2047) read as UTF-8."""
    text = str(value or "")
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return one_line(text)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _thread_ids(message: EmailMessage) -> tuple[str, ...]:
    ids: list[str] = []
    for value in message.get_all("In-Reply-To", []):
        ids.extend(_message_ids(str(value)))
    for value in message.get_all("References", []):
        ids.extend(reversed(_message_ids(str(value))))
    return tuple(dict.fromkeys(ids))[:_MAX_THREAD_IDS]


def _own_message_id(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID, or one made from the mail's bytes: the same mail gets the same id."""
    found = _message_ids(str(message.get("Message-ID", "")))
    if found:
        return found[0][:250]
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@inbound.invalid"


def _sender(message: EmailMessage) -> tuple[str, str]:
    header = message.get("From")
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    for address in addresses:
        if "@" in address.addr_spec:
            return _header_text(address.addr_spec), _header_text(address.display_name)
    name, spec = parseaddr(str(header or ""))
    if "@" not in spec:
        return "", ""
    return _header_text(spec), _header_text(name)


def _sent_at(message: EmailMessage) -> datetime.datetime | None:
    header = message.get("Date")
    sent_at: datetime.datetime | None = getattr(header, "datetime", None)
    if sent_at is None:
        return None
    if sent_at.tzinfo is None:  # "-0000": the zone is unknown, the time is UTC (RFC 5322)
        sent_at = sent_at.replace(tzinfo=datetime.UTC)
    return sent_at


def _leaves(part: EmailMessage) -> Iterator[EmailMessage]:
    """Every part that holds content; a forwarded mail (message/rfc822) is one part, whole."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for child in part.iter_parts():
        if isinstance(child, EmailMessage):
            yield from _leaves(child)


def _filename(part: EmailMessage, index: int) -> str:
    name = part.get_filename() or ""
    name = one_line(re.split(r"[\\/]", name)[-1]).lstrip(".")
    if name:
        return name[-FILENAME_MAX_LENGTH:]
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        return f"forwarded-{index}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{extension}"


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, EmailMessage) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _is_body_text(part: EmailMessage) -> bool:
    return (
        part.get_content_maintype() == "text"
        and part.get_content_subtype() in {"plain", "html"}
        and part.get_content_disposition() != "attachment"
        and not part.get_filename()
    )


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(body, EmailMessage):
        return ""
    text = part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    if not text.strip() and body.get_content_subtype() == "plain":
        # An empty plain part beside the HTML one: read the HTML.
        html = message.get_body(preferencelist=("html",))
        if isinstance(html, EmailMessage):
            text = html_to_text(part_text(html))
    return normalise(text)


def _files(
    message: EmailMessage, attachment_max_bytes: int
) -> tuple[list[InboundAttachment], list[SkippedAttachment]]:
    kept: list[InboundAttachment] = []
    skipped: list[SkippedAttachment] = []
    body = message.get_body(preferencelist=("plain", "html"))
    index = 0
    for part in _leaves(message):
        if part is message and not message.is_multipart():
            continue
        if part is body or _is_body_text(part):
            continue
        index += 1
        content = _part_bytes(part)
        filename = _filename(part, index)
        if len(content) > attachment_max_bytes:
            skipped.append(SkippedAttachment(filename=filename, size=len(content)))
            continue
        if not content:
            continue
        kept.append(
            InboundAttachment(
                filename=filename,
                content_type=part.get_content_type(),
                content=content,
                is_inline=part.get_content_disposition() == "inline"
                or (part.get("Content-ID") is not None and not part.get_filename()),
            )
        )
    return kept, skipped


def _read(raw: bytes) -> EmailMessage:
    if not raw.strip():
        raise UnreadableMailError("The body is empty: post the raw e-mail (message/rfc822).")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnreadableMailError("The body is not an e-mail: it has no headers.")
    if any(
        isinstance(defect, email.errors.NoBoundaryInMultipartDefect) for defect in _defects(message)
    ):
        raise UnreadableMailError("The e-mail is malformed: a multipart part has no boundary.")
    return message


def _defects(message: EmailMessage) -> Iterator[email.errors.MessageDefect]:
    for part in message.walk():
        yield from part.defects


def mail_parse(
    raw: bytes,
    *,
    max_bytes: int,
    attachment_max_bytes: int,
    own_addresses: Collection[str] = (),
) -> InboundMail:
    """Read one raw e-mail; `UnreadableMailError` (400) or `MailTooLargeError` (413) when not.

    `own_addresses` are the helpdesk's own: mail from them is a loop, never a ticket.
    """
    if len(raw) > max_bytes:
        raise MailTooLargeError(f"The e-mail is over the limit of {max_bytes} bytes.")
    try:
        message = _read(raw)
        sender, sender_name = _sender(message)
        if not sender:
            raise UnreadableMailError("The e-mail has no sender address (From).")
        subject = _header_text(message.get("Subject", ""))[:SUBJECT_MAX_LENGTH]
        ignored = ignore_reason(message, sender=sender, own_addresses=own_addresses)
        full_text = "" if ignored else _text(message)
        attachments, skipped = ([], []) if ignored else _files(message, attachment_max_bytes)
        is_forward = bool(_FORWARD_SUBJECT.match(subject))
        return InboundMail(
            message_id=_own_message_id(message, raw),
            thread_ids=_thread_ids(message),
            sender=sender,
            sender_name=sender_name,
            subject=subject,
            sent_at=_sent_at(message),
            # A forwarded mail is the customer passing on what happened: keep it whole.
            text=full_text if is_forward else new_text(full_text),
            full_text=full_text,
            attachments=tuple(attachments),
            skipped_attachments=tuple(skipped),
            ignored=ignored,
            is_forward=is_forward,
        )
    except (
        ValueError,
        LookupError,
        IndexError,
        TypeError,
        AttributeError,
        email.errors.MessageError,
    ) as error:
        # The parser is lenient, but a few broken structures make it raise on reading.
        raise UnreadableMailError(f"The e-mail cannot be read: {error}") from error
