"""Inbound e-mail read into plain values: a plain library, no Django models.

- `parsing`: raw RFC 5322 bytes to an `InboundMail` (addresses, threading headers, text, files).
- `body`: the new text of a mail: charsets, HTML to text, quoted history and signature removed.
- `screening`: mail never to answer: auto-replies, delivery reports, loops with our own address.
"""

from helpdesk.mail.parsing import (
    InboundAttachment,
    InboundMail,
    MailTooLargeError,
    UnreadableMailError,
    mail_parse,
)
from helpdesk.mail.screening import IgnoreReason

__all__ = [
    "IgnoreReason",
    "InboundAttachment",
    "InboundMail",
    "MailTooLargeError",
    "UnreadableMailError",
    "mail_parse",
]
