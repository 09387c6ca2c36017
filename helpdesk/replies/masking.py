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
