"""What both EverMemOS versions share above the wire: reading answers (times, texts, scores,
profile data), grouping hits by ticket, the recurring-issue rule, the empty-content stand-in.

Both wire formats carry memories with the same field names (`episode`, `summary`,
`subject`, `profile_data` with `explicit_info` and `implicit_traits`), so their
lenient parsing lives here once; paths, envelopes and request fields live in `v0` and `v1`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from helpdesk.memory import ids
from helpdesk.memory.types import MemoryBackendError, ProfileFact, Source, TicketMatch

MAX_QUERY_CHARS = 500
SNIPPET_CHARS = 280
RECURRING_LEAD = 1.5  # the best past ticket's score over the second's, to claim a recurrence
RECURRING_MIN_SCORE = 0.5  # floor for scores on a 0-1 scale
# Sent instead of an empty body: v0 answers 400 and v1 422 to empty content.
EMPTY_CONTENT_STAND_IN = "[message without text]"


def require(field: str, value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise MemoryBackendError(f"{field} must not be empty", retryable=False)
    return text


def content_or_stand_in(content: str) -> str:
    return content if content.strip() else EMPTY_CONTENT_STAND_IN


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


def group_by_ticket(
    hits: Iterable[Mapping[str, Any]],
    *,
    exclude_group_id: str | None,
    is_own: Callable[[Mapping[str, Any]], bool],
    source_of: Callable[[Mapping[str, Any], int], Source],
) -> list[TicketMatch]:
    """One match per past ticket, best score first. `is_own` keeps the customer's own hits
    (each version marks them its way); `source_of` says where a hit came from."""
    best: dict[int, TicketMatch] = {}
    for hit in hits:
        group_id = hit.get("group_id")
        if not is_own(hit) or not isinstance(group_id, str):
            continue
        if exclude_group_id and group_id == exclude_group_id:
            continue
        ticket_pk = ids.ticket_pk_from_group(group_id)
        text = memory_text(hit)
        if ticket_pk is None or not text:
            continue
        score = score_of(hit.get("score"))
        current = best.get(ticket_pk)
        if current is None or score > current.score:
            best[ticket_pk] = TicketMatch(
                ticket_id=ticket_pk,
                score=score,
                snippet=snippet(text),
                source=source_of(hit, ticket_pk),
            )
    return sorted(best.values(), key=lambda match: (-match.score, -match.ticket_id))


def recurring_pick(matches: Sequence[TicketMatch], limit: int) -> list[TicketMatch]:
    """The best past ticket, only when it clearly stands out from the next one.

    EverMemOS scores differ by method, so the rule is relative: the best ticket's score must
    be at least `RECURRING_LEAD` times the second's (or it is the only one), and a score on
    a 0-1 scale (vector, hybrid, agentic) must reach `RECURRING_MIN_SCORE`. Not measured
    against a real server: the figures in bench/recurring.py are the embedded engine's.
    """
    if not matches or limit <= 0:
        return []
    best = matches[0]
    if best.score <= 0:
        return []
    if len(matches) > 1 and best.score < RECURRING_LEAD * matches[1].score:
        return []
    if best.score <= 1 and best.score < RECURRING_MIN_SCORE:
        return []
    return [best]
