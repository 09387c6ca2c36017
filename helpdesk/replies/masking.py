"""Personal data out of everything a draft is written from, and out of the draft itself.

One `PlaceholderMap` per draft: the same value gets the same placeholder in the
prompt and in the answer, and its size is the number of items masked. Which kinds are
masked is the policy of the exits the text goes to (`helpdesk.pii.exits`): the language
model for a reply; the model, the handoff note and the notification e-mail for a handoff.
"""

from __future__ import annotations

import dataclasses
import re

from helpdesk import pii
from helpdesk.pii.exits import Exit, mask
from helpdesk.replies.material import Fact, Material, PastTicket, Recurrence, Turn

# The model writes these where the customer's and the agent's first names go; they are
# filled in last, so the model never sees the names and the filter leaves the greeting
# and the signature alone.
FIRST_NAME = "{first_name}"
AGENT_NAME = "{agent_name}"
# Drafts quote and prompts carry at most this much of any one text; masking only that
# much keeps a 20,000-character message as cheap as a short one.
MAX_TEXT_CHARS = 2_000
_NAME_LIKE = re.compile(r"^[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*$")


class Masker:
    def __init__(self, known: pii.KnownIdentifiers, *, exits: tuple[Exit, ...]) -> None:
        self.known = known
        self.exits = exits
        self.mapping = pii.PlaceholderMap()

    @property
    def count(self) -> int:
        """How many different values were masked so far."""
        return len(self.mapping.originals)

    def text(self, value: str) -> str:
        if not value:
            return value
        if len(value) > MAX_TEXT_CHARS:  # cut between words, so no value is cut in half
            value = value[:MAX_TEXT_CHARS].rsplit(maxsplit=1)[0] + " …"
        return mask(value, *self.exits, known=self.known, mapping=self.mapping).text

    def material(self, material: Material) -> Material:
        return dataclasses.replace(
            material,
            subject=self.text(material.subject),
            turns=tuple(self._turn(turn) for turn in material.turns),
            profile=tuple(self._fact(fact) for fact in material.profile),
            ticket_memories=tuple(self._fact(fact) for fact in material.ticket_memories),
            past_tickets=tuple(self._past(past) for past in material.past_tickets),
            recurring=tuple(
                Recurrence(self.text(item.label), item.references, item.count)
                for item in material.recurring
            ),
            customer_first_name="",
            agent_first_name="",
        )

    def _turn(self, turn: Turn) -> Turn:
        return dataclasses.replace(turn, text=self.text(turn.text))

    def _fact(self, fact: Fact) -> Fact:
        return dataclasses.replace(fact, text=self.text(fact.text))

    def _past(self, past: PastTicket) -> PastTicket:
        return dataclasses.replace(
            past,
            subject=self.text(past.subject),
            snippet=self.text(past.snippet),
            resolution=self.text(past.resolution),
            summary=self.text(past.summary),
        )


def greeting_name(first_name: str) -> str:
    """The customer's first name for a greeting, or "there" when it is not a name (a handle)."""
    first_name = first_name.strip()
    return first_name if _NAME_LIKE.match(first_name) and len(first_name) <= 40 else "there"


def personalise(text: str, *, first_name: str, agent_name: str) -> str:
    text = text.replace(FIRST_NAME, greeting_name(first_name))
    return text.replace(AGENT_NAME, agent_name.strip() or "The support team")


PLACEHOLDER = pii.PLACEHOLDER
# Where a line splits into sentences: after an end mark (and a closing quote or bracket).
_SENTENCE_END = re.compile(r"(?<=[.!?…])([”\"')\]]*)\s+")
# A greeting that opens a line ("Hi {first_name},") stands apart from the sentence after it.
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear)\b[^,.!?\n]{0,40},\s*", re.IGNORECASE)
_QUOTE_PAIRS = (("“", "”"), ("«", "»"))


def known_placeholders(
    mapping: pii.PlaceholderMap, *, first_name: str, agent_name: str
) -> dict[str, str]:
    """The placeholders that stand for a name the draft may hold: the customer's first name
    (when it is a name, not a handle) and the agent's, each with the value to put back."""
    names = {
        name.casefold(): name
        for name in (greeting_name(first_name), agent_name.strip())
        if name and name != "there"
    }
    return {
        tag: names[value.strip().casefold()]
        for tag, value in mapping.originals.items()
        if value.strip().casefold() in names
    }


def _balanced(text: str) -> str:
    """Mend the quotation marks a cut left unpaired (the sentence that opened or closed it went)."""
    for opening, closing in _QUOTE_PAIRS:
        missing = text.count(opening) - text.count(closing)
        if missing > 0:
            text = text + closing * missing
        elif missing < 0:
            text = opening * -missing + text
    return text


def _line_without_placeholders(line: str) -> str:
    if not PLACEHOLDER.search(line):
        return line
    greeting = _GREETING.match(line)
    opening = [greeting[0]] if greeting else []
    parts = _SENTENCE_END.split(line[greeting.end() :] if greeting else line)
    # split() keeps the closing quotes it matched: glue them back to their sentence.
    sentences = opening + [
        parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
    ]
    greets = bool(opening) and not PLACEHOLDER.search(opening[0])
    kept = [sentence for sentence in sentences[len(opening) :] if not PLACEHOLDER.search(sentence)]
    text = _balanced(" ".join(sentence.strip() for sentence in kept).strip())
    if not re.search(r"\w", text):
        text = ""
    if greets:  # the greeting stays, on a line of its own
        return opening[0].strip() + (f"\n\n{text}" if text else "")
    leading = line[: len(line) - len(line.lstrip())]
    return leading + text if text else ""


def without_placeholders(text: str, *, put_back: dict[str, str] | None = None) -> str:
    """`text` with no `<KIND_N>` placeholder left: the names in `put_back` filled in, and
    every sentence that still holds one cut (a line left empty goes, with its blank line)."""
    for tag, value in (put_back or {}).items():
        text = text.replace(tag, value)
    if not PLACEHOLDER.search(text):
        return text
    lines: list[str] = []
    for line in text.split("\n"):
        cleaned = _line_without_placeholders(line)
        if line.strip() and not cleaned.strip():
            continue  # the whole line was personal data: drop it, not leave a gap
        lines.append(cleaned)
    squeezed: list[str] = []
    for line in lines:
        if not line.strip() and squeezed and not squeezed[-1].strip():
            continue
        squeezed.append(line)
    return "\n".join(squeezed).strip("\n")
