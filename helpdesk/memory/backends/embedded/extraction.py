"""The offline extractor: memories from a ticket's messages without any model.

It writes what a careful agent would jot down when a ticket ends:
- an **episode**: what the customer raised, and how we answered;
- **profile facts**: first-person statements about the customer that stay
  true across tickets (what they own or use, their plan, where they live or
  work, how they like to be contacted, what they prefer);
- **facts** of this ticket: order numbers, versions, error codes and the like.

Each extracted item keeps the message it came from, so the page can link to it.
The patterns are deliberately conservative: a missed fact costs less than a
wrong one shown to an agent as "what we know".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_FACT_LENGTH = 160
MAX_EPISODE_PART = 220

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
# A sentence about the person the customer is talking to is not about the customer.
_ABOUT_SOMEONE_ELSE = re.compile(r"\b(?:you|your|you're|yours)\b", re.IGNORECASE)
_WS = re.compile(r"\s+")

# (category, pattern) over one sentence of a customer message. Patterns are
# matched case-insensitively; the whole sentence becomes the fact.
_PROFILE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.IGNORECASE))
    for category, pattern in (
        ("contact", r"\b(?:please |you can |best to )?(?:e-?mail|call|text|phone|message|dm) me\b"),
        ("contact", r"\bprefer(?:s|red)? (?:to be )?(?:contacted|reached) (?:by|via|on)\b"),
        ("preference", r"\bI (?:really )?(?:prefer|love|like|enjoy|hate|dislike|can't stand)\b"),
        ("preference", r"\bmy favou?rite\b"),
        ("device", r"\bI (?:have|own|use|bought) (?:a|an|my|two|new)\b|\bI(?:'m| am) using\b"),
        (
            "device",
            r"\bmy (?:\w+ ){0,2}(?:phone|laptop|computer|pc|mac|router|modem|tv|console|"
            r"printer|tablet|ipad|iphone|watch|camera|car|account|card|ps4|ps5|xbox)\b",
        ),
        ("plan", r"\b(?:my|the|our) (?:\w+ ){0,2}(?:plan|subscription|membership|tier|contract)\b"),
        ("plan", r"\bI(?:'m| am) (?:a |an )?(?:gold|silver|bronze|premium|pro|business|free)\b"),
        ("location", r"\bI (?:live|moved|relocated|am based|'m based) (?:in|to|at|near)\b"),
        ("work", r"\bI (?:work|worked) (?:as|at|for|in)\b|\bmy job\b|\bI'm an? \w+ by trade\b"),
        (
            "family",
            r"\bmy (?:wife|husband|partner|kids?|children|son|daughter|mom|dad|mother|"
            r"father|family|dog|cat|pets?)\b",
        ),
        ("language", r"\bI (?:speak|only speak|don't speak)\b"),
        ("skill", r"\bI(?:'m| am) not (?:very )?(?:technical|tech-savvy|good with)\b"),
    )
)

# Ticket facts: identifiers an agent would look for again.
_TICKET_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("order", re.compile(r"\border (?:number |no\.? |id |#)?[:#]?\s*([A-Z0-9-]{5,})\b", re.I)),
    ("version", re.compile(r"\b(?:version|firmware|build|v)\s*([0-9]+(?:\.[0-9]+){1,3})\b", re.I)),
    ("error", re.compile(r"\berror(?: code)?[:\s#]*([A-Z0-9_-]*\d[A-Z0-9_-]*)\b", re.I)),
)


@dataclass(frozen=True)
class TurnText:
    """One message as the extractor sees it."""

    message_id: int
    is_customer: bool
    author: str
    text: str


@dataclass(frozen=True)
class Extracted:
    kind: str  # "episode", "fact" or "profile"
    category: str
    text: str
    message_id: int | None


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _shorten(text: str, limit: int) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def sentences(text: str) -> list[str]:
    return [s for s in (_clean(part) for part in _SENTENCE_SPLIT.split(text)) if s]


def profile_facts(turns: Sequence[TurnText]) -> list[Extracted]:
    """First-person statements from the customer that describe them, once each."""
    found: dict[str, Extracted] = {}
    for turn in turns:
        if not turn.is_customer:
            continue
        for sentence in sentences(turn.text):
            if len(sentence) < 12 or sentence.endswith("?") or _ABOUT_SOMEONE_ELSE.search(sentence):
                continue
            for category, pattern in _PROFILE_PATTERNS:
                if pattern.search(sentence):
                    key = sentence.lower()
                    found.setdefault(
                        key,
                        Extracted(
                            kind="profile",
                            category=category,
                            text=_shorten(sentence, MAX_FACT_LENGTH),
                            message_id=turn.message_id,
                        ),
                    )
                    break
    return list(found.values())


def ticket_facts(turns: Sequence[TurnText]) -> list[Extracted]:
    found: dict[tuple[str, str], Extracted] = {}
    for turn in turns:
        for category, pattern in _TICKET_FACT_PATTERNS:
            for match in pattern.finditer(turn.text):
                value = match.group(1)
                found.setdefault(
                    (category, value.lower()),
                    Extracted(
                        kind="fact",
                        category=category,
                        text=f"{category.capitalize()}: {value}",
                        message_id=turn.message_id,
                    ),
                )
    return list(found.values())


def episode(turns: Sequence[TurnText], *, subject: str, customer_name: str) -> Extracted | None:
    """One or two sentences: what the customer raised and what we answered last."""
    customer_turns = [t for t in turns if t.is_customer]
    if not customer_turns:
        return None
    first_name = customer_name.split()[0] if customer_name.strip() else "The customer"
    raised = _shorten(" ".join(t.text for t in customer_turns[:2]), MAX_EPISODE_PART)
    parts = [f"{first_name} wrote about “{_shorten(subject, 80)}”: {raised}"]
    answers = [t for t in turns if not t.is_customer]
    if answers:
        parts.append(
            f"{answers[-1].author} answered: {_shorten(answers[-1].text, MAX_EPISODE_PART)}"
        )
    return Extracted(
        kind="episode", category="", text=" ".join(parts), message_id=customer_turns[0].message_id
    )


def extract(turns: Sequence[TurnText], *, subject: str, customer_name: str) -> list[Extracted]:
    """Everything the offline extractor takes from one ticket."""
    items = []
    summary = episode(turns, subject=subject, customer_name=customer_name)
    if summary is not None:
        items.append(summary)
    items.extend(ticket_facts(turns))
    items.extend(profile_facts(turns))
    return items
