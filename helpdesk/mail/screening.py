"""Mail never to answer: auto-replies, delivery reports, and loops with our own address.

Each is recognised from its headers (RFC 3834 `Auto-Submitted`, the de-facto `X-Autoreply`,
`X-Autorespond` and `Precedence`, RFC 6522 `multipart/report`) and, for reports from mail
servers that do not say so, from the sender (`MAILER-DAEMON`, `postmaster`).
"""

from __future__ import annotations

from collections.abc import Collection
from email.message import EmailMessage
from enum import StrEnum


class IgnoreReason(StrEnum):
    AUTO_REPLY = "auto-reply"
    BOUNCE = "bounce"
    LOOP = "loop"


_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
_REPORT_TYPES = frozenset({"delivery-status", "disposition-notification"})


def _header(message: EmailMessage, name: str) -> str:
    return str(message.get(name, "")).strip().lower()


def is_delivery_report(message: EmailMessage, sender: str) -> bool:
    """A bounce, delay or read receipt: a report, or mail from a mail server's own address."""
    if message.get_content_type() == "multipart/report":
        return True
    if message.get_param("report-type", header="content-type") in _REPORT_TYPES:
        return True
    if any(part.get_content_type() == "message/delivery-status" for part in message.walk()):
        return True
    return sender.partition("@")[0].lower() in _DAEMON_LOCAL_PARTS


def is_auto_reply(message: EmailMessage) -> bool:
    """An out-of-office, a list's digest or any mail a program sent on its own."""
    auto_submitted = _header(message, "Auto-Submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    return _header(message, "Precedence") in _BULK_PRECEDENCE


def is_loop(message: EmailMessage, sender: str, own_addresses: Collection[str]) -> bool:
    """Mail from our own address, or that already passed us (`X-Loop` names us)."""
    own = {address.lower() for address in own_addresses if address}
    if sender.lower() in own:
        return True
    return any(str(value).strip().lower() in own for value in message.get_all("X-Loop", []))


def ignore_reason(
    message: EmailMessage, *, sender: str, own_addresses: Collection[str]
) -> IgnoreReason | None:
    """Why this mail is taken in but never answered, or None for a person's mail."""
    if is_delivery_report(message, sender):
        return IgnoreReason.BOUNCE
    if is_loop(message, sender, own_addresses):
        return IgnoreReason.LOOP
    if is_auto_reply(message):
        return IgnoreReason.AUTO_REPLY
    return None
