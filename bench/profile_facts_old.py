"""The offline profile extractor as it was before issue 14, kept for `bench/profile_facts.py`.

A copy of `profile_facts` from helpdesk/memory/backends/embedded/extraction.py at commit
e6013c5 (the whole sentence becomes the fact), unchanged but for names; its text helpers,
unchanged since, are imported from there. Not product code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from helpdesk.memory.backends.embedded.extraction import (
    Extracted,
    TurnText,
    sentences,
)
from helpdesk.memory.backends.embedded.extraction import _shorten as shorten

MAX_FACT_LENGTH = 160
_ABOUT_SOMEONE_ELSE = re.compile(r"\b(?:you|your|you're|yours)\b", re.IGNORECASE)
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


def old_profile_facts(turns: Sequence[TurnText]) -> list[Extracted]:
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
                            text=shorten(sentence, MAX_FACT_LENGTH),
                            message_id=turn.message_id,
                        ),
                    )
                    break
    return list(found.values())
