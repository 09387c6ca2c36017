"""Queue search over message text: the bulk import's cost of its index, the index's size and
the search's latency, with word search (full-text index, migration 0009) against the
substring search it replaced (trigram index on PostgreSQL, no index on SQLite) and against
no search index at all, in one run so that the ratios hold on a noisy machine.

Each round imports the load set (bench/loadset.py, generated once, in memory) into a fresh
database per variant, in turn (none, substring, words), through `tickets.services.bulk.bulk_import`
with the outbox, in batches of 100 customers as `import_load_set` does:

- none: no search index on message text or subjects (the rows and the outbox alone);
- substring: migration 0009 undone by hand (PostgreSQL: the trigram indexes on message bodies
  and subjects, dropped for the import and built at its end, as `--defer-search-index` did;
  SQLite: no index), searched with the former `ticket_search` (`icontains`);
- words: as migrated (PostgreSQL: `search_indexes_deferred`, the full-text and subject indexes
  built at the end; SQLite: the FTS5 index kept by its triggers during the import).

Then the database is analysed and the queue page `/tickets/?view=all&q=...` timed in process
with Django's test client for bench/load.py's five terms (and a few more, reported apart).
Medians of the rounds; results in bench/results/search-<database>-<customers>.json.

    .venv/bin/python bench/search.py --customers 10000                       # SQLite
    .venv/bin/python bench/search.py --database postgresql \\
        --postgres-url postgres://load:load@127.0.0.1:55435/postgres --customers 10000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402  # after the path is set
    QUEUE_TERMS,
    RESULTS,
    agent_client,
    child_environment,
    fresh_database,
    machine,
    percentile,
)

EXTRA_TERMS = ("pass", "refund card", "the")
VARIANTS = ("none", "substring", "words")
REPEATS = 4  # of each term per round

OLD_MESSAGE_INDEX = (
    "CREATE INDEX IF NOT EXISTS message_body_trgm_idx ON tickets_message "
    "USING gin ((UPPER(body::text)) gin_trgm_ops)"
)
OLD_SUBJECT_INDEX = (
    "CREATE INDEX IF NOT EXISTS ticket_subject_trgm_idx ON tickets_ticket "
    "USING gin ((UPPER(subject::text)) gin_trgm_ops)"
)


def database_url(args: argparse.Namespace, variant: str) -> str:
    if args.database == "sqlite":
        path = Path(tempfile.gettempdir()) / f"helpdesk-search-{variant}.sqlite3"
        return f"sqlite:///{path}"
    base = args.postgres_url.rsplit("/", 1)[0]
    return f"{base}/helpdesk_search_{variant}"


def use_database(url: str) -> None:
    from django.db import connection

    connection.close()
    fresh_database(url)
    connection.settings_dict["NAME"] = (
        url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url.rsplit("/", 1)[1]
    )


def execute(*statements: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def prepare(variant: str) -> None:
    """The schema of a variant, from the migrated one (words)."""
    from django.db import connection

    from tickets.migrations import _0009 as migration

    if variant == "words":
        return
    if connection.vendor == "sqlite":
        execute(*migration.SQLITE_DROP)
    else:
        execute("DROP INDEX IF EXISTS message_body_fts_idx")
        if variant == "none":
            execute("DROP INDEX IF EXISTS ticket_subject_trgm_idx")


def substring_search(tickets: Any, query: str) -> Any:
    """`tickets.selectors.ticket_search` before migration 0009: `icontains` on message text."""
    from django.db.models import Q

    from customers.models import Customer
    from tickets.models import Message, Ticket
    from tickets.selectors import REFERENCE_PATTERN

    query = query.replace("\x00", "").strip()
    if not query:
        return tickets
    reference = REFERENCE_PATTERN.match(query)
    if reference:
        return tickets.filter(pk=int(reference.group(1)))
    customers = Customer.objects.filter(
        Q(name__icontains=query) | Q(email__icontains=query) | Q(external_id__icontains=query)
    )
    matching = (
        Ticket.objects.filter(subject__icontains=query)
        .order_by()
        .values("pk")
        .union(
            Ticket.objects.filter(customer__in=customers.values("pk")).order_by().values("pk"),
            Message.objects.filter(body__icontains=query).order_by().values("ticket_id"),
        )
    )
    return tickets.filter(pk__in=matching)


def import_all(variant: str, batches: list[list[Any]]) -> dict[str, float]:
    from django.db import connection

    from bench.search_indexes import search_indexes_deferred
    from tickets.services.bulk import ImportReport, bulk_import

    report = ImportReport()
    is_postgresql = connection.vendor == "postgresql"
    t0 = time.perf_counter()
    if variant == "words":
        with search_indexes_deferred():
            for batch in batches:
                report += bulk_import(customers=batch)
        index_seconds = None
    else:
        if is_postgresql:  # as `--defer-search-index` did before migration 0009
            execute("DROP INDEX IF EXISTS message_body_trgm_idx")
            execute("DROP INDEX IF EXISTS ticket_subject_trgm_idx")
        for batch in batches:
            report += bulk_import(customers=batch)
        t1 = time.perf_counter()
        if is_postgresql and variant == "substring":
            execute(OLD_MESSAGE_INDEX, OLD_SUBJECT_INDEX)
        index_seconds = time.perf_counter() - t1
    seconds = time.perf_counter() - t0
    return {
        "messages": report.messages,
        "seconds": round(seconds, 2),
        "messages_per_s": round(report.messages / seconds),
        "index_build_seconds": None if index_seconds is None else round(index_seconds, 2),
    }


def sizes() -> dict[str, float]:
    """Megabytes: the whole database and each search structure."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            found = {"database": cursor.fetchone()[0]}
            cursor.execute(
                "SELECT indexname, pg_relation_size(indexname::regclass) FROM pg_indexes "
                "WHERE indexname IN ('message_body_fts_idx', 'message_body_trgm_idx', "
                "'ticket_subject_trgm_idx', 'message_ticket_idx')"
            )
            found.update(dict(cursor.fetchall()))
            cursor.execute("SELECT pg_relation_size('tickets_message')")
            found["tickets_message"] = cursor.fetchone()[0]
        else:
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            page = cursor.fetchone()[0]
            found = {"database": pages * page}
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'tickets_message_fts_%' "
                "AND type = 'table'"
            )
            shadow = [row[0] for row in cursor.fetchall()]
            found["tickets_message_fts"] = 0
            for name in shadow:  # names from the catalogue; dbstat counts their pages
                cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = %s", [name])
                found["tickets_message_fts"] += cursor.fetchone()[0] or 0
    return {name: round(value / 2**20, 1) for name, value in found.items()}


def time_searches(variant: str) -> dict[str, Any]:
    """Per term REPEATS timings of the queue page; the former search for `substring`."""
    from contextlib import nullcontext
    from unittest import mock

    from tickets.selectors import ticket_queue

    client = agent_client()
    timings: dict[str, Any] = {"matches": {}}
    patch = (
        mock.patch("tickets.selectors.ticket_search", substring_search)
        if variant == "substring"
        else nullcontext()
    )
    with patch:
        for term in (*QUEUE_TERMS, *EXTRA_TERMS):
            tickets = ticket_queue(user=agent_client_user(), view="all", query=term)
            timings["matches"][term] = tickets.count()
            key = "queue_search" if term in QUEUE_TERMS else f"term:{term}"
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                response = client.get("/tickets/", {"view": "all", "q": term})
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    raise RuntimeError(f"{term}: {response.status_code}")
                timings.setdefault(key, []).append(elapsed)
    return timings


def agent_client_user() -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username="bench-agent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://load:load@127.0.0.1:55435/postgres")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    variants = args.variants.split(",")
    os.environ.update(child_environment(database_url(args, variants[0])))
    import importlib

    import django

    django.setup()
    sys.modules["tickets.migrations._0009"] = importlib.import_module(
        "tickets.migrations.0009_message_full_text_search"
    )
    from django.core.management import call_command

    from bench.loadset import load_customer, source_pool

    source_pool()
    t0 = time.perf_counter()
    batches = [
        [load_customer(i) for i in range(start, min(start + 100, args.customers))]
        for start in range(0, args.customers, 100)
    ]
    print(f"load set generated in {time.perf_counter() - t0:.0f} s", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in variants}
    for number in range(args.rounds):
        for variant in variants:
            use_database(database_url(args, variant))
            call_command("migrate", verbosity=0)
            prepare(variant)
            result: dict[str, Any] = {"import": import_all(variant, batches)}
            execute("ANALYZE")
            result["sizes_mb"] = sizes()
            if variant != "none":
                result["searches"] = time_searches(variant)
            runs[variant].append(result)
            searches = result.get("searches", {}).get("queue_search", [])
            print(
                f"round {number + 1} {variant}: {result['import']['messages_per_s']:,} messages/s "
                f"({result['import']['seconds']} s), sizes {result['sizes_mb']}, search p95 "
                f"{percentile(searches, 0.95) * 1000 if searches else 0:.0f} ms",
                flush=True,
            )
    summary: dict[str, Any] = {}
    for variant, results in runs.items():
        entry: dict[str, Any] = {
            "messages_per_s": statistics.median(r["import"]["messages_per_s"] for r in results),
            "seconds": statistics.median(r["import"]["seconds"] for r in results),
            "sizes_mb": results[-1]["sizes_mb"],
        }
        if variant != "none":
            keys = [k for k in results[0]["searches"] if k != "matches"]
            for key in keys:
                entry[key] = {
                    "p50_ms": round(
                        statistics.median(percentile(r["searches"][key], 0.5) for r in results)
                        * 1000,
                        1,
                    ),
                    "p95_ms": round(
                        statistics.median(percentile(r["searches"][key], 0.95) for r in results)
                        * 1000,
                        1,
                    ),
                }
            entry["matches"] = results[-1]["searches"]["matches"]
        summary[variant] = entry
    output = {
        "database": args.database,
        "customers": args.customers,
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "summary": summary,
        "runs": runs,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"search-{args.database}-{args.customers}.json"
    path.write_text(json.dumps(output, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
