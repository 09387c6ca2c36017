"""Reading what either EverMemOS version answers: times, texts, scores and profile data.

Both wire formats carry memories with the same field names (`episode`, `summary`,
`subject`, `profile_data` with `explicit_info` and `implicit_traits`), so their
lenient parsing lives here once; the request side lives in `v0` and `v1`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from typing import Any

from helpdesk.memory.types import MemoryBackendError, ProfileFact

MAX_QUERY_CHARS = 500
SNIPPET_CHARS = 280


def require(field: str, value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise MemoryBackendError(f"{field} must not be empty", retryable=False)
    return text


def clip_query(query: str) -> str:
    """Collapse whitespace and keep the query short enough for a URL."""
    text = " ".join((query or "").split())
    if len(text) <= MAX_QUERY_CHARS:
        return text
    return text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]


def parse_time(value: Any) -> datetime.datetime | None:
    """ISO text (a trailing Z allowed) or epoch seconds/milliseconds; naive means UTC."""
    moment: datetime.datetime | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def first_time(item: Mapping[str, Any], *keys: str) -> datetime.datetime | None:
    for key in keys:
        moment = parse_time(item.get(key))
        if moment is not None:
            return moment
    return None


def text_of(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def memory_text(item: Mapping[str, Any]) -> str:
    """Memories carry text in `episode`, then `summary`, then `subject` (never `memory_content`)."""
    for key in ("episode", "summary", "subject", "atomic_fact", "foresight"):
        text = text_of(item.get(key))
        if text:
            return text
    return ""


def snippet(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] or text[: SNIPPET_CHARS - 1]
    return cut + "…"


def score_of(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        score = float(value)
    except ValueError:
        return 0.0
    return score if math.isfinite(score) else 0.0


def explicit_kind(category: Any) -> str:
    return "preference" if "prefer" in text_of(category).lower() else "fact"


def profile_data_facts(data: Any) -> list[tuple[str, str]]:
    """(text, kind) pairs from a `profile_data` object."""
    if not isinstance(data, dict):
        return []
    facts: list[tuple[str, str]] = []
    for entry in as_list(data.get("explicit_info")):
        if isinstance(entry, dict):
            text = text_of(entry.get("description")) or text_of(entry.get("value"))
            facts.append((text, explicit_kind(entry.get("category"))))
        else:
            facts.append((text_of(entry), "fact"))
    for key in ("implicit_traits", "implicit_trait"):
        for entry in as_list(data.get(key)):
            if isinstance(entry, dict):
                text = (
                    text_of(entry.get("description"))
                    or text_of(entry.get("trait"))
                    or text_of(entry.get("trait_name"))
                )
                facts.append((text, "trait"))
            else:
                facts.append((text_of(entry), "trait"))
    # Older profiles keep lists such as `interests: [{value, level, evidences}]`.
    for key, value in data.items():
        if key in {"explicit_info", "implicit_traits", "implicit_trait"}:
            continue
        for entry in as_list(value):
            if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                facts.append((text_of(entry["value"]), key))
    return [(text, kind) for text, kind in facts if text]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dedupe_facts(facts: Iterable[ProfileFact]) -> list[ProfileFact]:
    """Profiles repeat per ticket: keep the first fact of each text."""
    seen: set[str] = set()
    unique = []
    for fact in facts:
        key = fact.text.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(fact)
    return unique
