"""The new text of a mail: charsets, HTML to text, quoted history and signature removed.

HTML becomes text with inscriptis (Apache-2.0, maintained, no network, keeps lists and
tables readable); the quoted history and the signature are cut with mail-parser-reply
(MIT, maintained, knows the reply headers of Gmail, Outlook and Apple Mail in many
languages). See docs/channels.md for why these two.
"""

from __future__ import annotations

import codecs
import re
from email.message import EmailMessage

from inscriptis import get_text
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

# Mail labelled Latin-1 is most often Windows-1252 (curly quotes, the euro sign): read as
# browsers do (WHATWG encoding standard), which decodes every Latin-1 letter the same.
_CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
}
# Every language the reply parser knows the "On ... wrote:" lines of.
_REPLY_PARSER = EmailReplyParser(languages=list(MAIL_LANGUAGES))
# Outlook's and others' "-----Original Message-----" lines, which end the new text too.
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale)\s*-{2,}\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_BLANK_RUNS = re.compile(r"\n{3,}")
# Bounds on the work one mail can ask for (both steps take time in proportion to the text):
# HTML past this many characters is not read, and the new text is looked for in this many
# characters at the start (a message holds at most 20,000).
HTML_MAX_CHARACTERS = 2_000_000
REPLY_SCAN_MAX_CHARACTERS = 100_000


def part_text(part: EmailMessage) -> str:
    """A text part decoded from its transfer encoding and charset; unknown charsets fall back.

    Undecodable bytes become U+FFFD: one bad byte must not lose the mail.
    """
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "us-ascii").strip().lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    if charset in {"us-ascii", "ascii"}:
        # Mail programs that say ASCII and send 8-bit text mean UTF-8 nearly always.
        charset = "utf-8"
    return payload.decode(charset, errors="replace")


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML mail: no markup, scripts or styles; lists kept."""
    return get_text(html[:HTML_MAX_CHARACTERS])


def normalise(text: str) -> str:
    """Unix line ends, no trailing spaces, at most one blank line in a row, trimmed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def new_text(text: str) -> str:
    """What the sender wrote in this mail: quoted history and signature cut off.

    Falls back to the whole text when the cut would leave nothing (a mail that is all
    quote, or a sender who writes below the quote).
    """
    text = normalise(text)[:REPLY_SCAN_MAX_CHARACTERS]
    if not text:
        return ""
    original = _ORIGINAL_MESSAGE.search(text)
    head = text[: original.start()] if original else text
    replies = _REPLY_PARSER.read(head).replies
    latest = normalise(replies[0].body) if replies else ""
    if not latest:
        latest = normalise(head)
    return latest or text
