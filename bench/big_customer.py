"""Big customer benchmark: one customer with a long history, on SQLite or PostgreSQL.

A B2B account may hold thousands of tickets. For each size (tickets of one customer), in a
fresh database (one child process builds it, fresh child processes measure it):

1. build: tickets replayed from the load set's pool (bench/loadset.py: Twitter CDP
   conversations and LoCoMo sessions, 856 of them, cycled and re-dated over five years; each
   ticket's first customer message names an order reference of its own), imported through
   `tickets.services.bulk.bulk_import`, and one `MemoryDocument` per message written directly (what
   delivery would write), with a random unit float32 vector of e5's 384 dimensions as bytea
   (the stored form; embedding 66,000 messages would take hours here, and the cost measured
   is reading and scoring vectors, not their quality);
2. measure, once per engine path (`whole`: every history read whole, as before the bounded
   path existed; `bounded`: the configured `MEMORY_FULL_HISTORY_DOCUMENTS`), each in a fresh
   process: the embedded engine's related-ticket search (`related_tickets`) and the memory
   panel's service (`helpdesk.memory.selectors.context.ticket_context`: profile, this
   ticket's memories, related tickets, the recurring check) for the newest ticket (its newest
   customer message as the
   query) and for a query written from an old ticket (its first customer message; whether
   that ticket is found is reported too); *cold*: a fresh engine (nothing cached), *warm*:
   asked again. The query vector comes from a fixed fake embedder (no model call).
   Peak RSS (VmHWM) of the measuring process.

Medians of `--runs` rounds. Results: bench/results/big-<database>-<tickets>.json;
`--table` prints the README table.

    .venv/bin/python bench/big_customer.py --sizes 200,2000,10000
    .venv/bin/python bench/big_customer.py --database postgresql \\
        --postgres-url postgres://load:load@127.0.0.1:55438/postgres
    .venv/bin/python bench/big_customer.py --table
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import fresh_database, vm_hwm_kb  # noqa: E402  # after the path is set

RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DIMENSIONS = 384
HISTORY_DAYS = 5 * 365
OLD_TICKET_SHARE = 0.1  # the "old ticket" query is written from the ticket this far into history


def database_url(args: argparse.Namespace, size: int) -> str:
    if args.database == "sqlite":
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'helpdesk-big-{size}.sqlite3'}"
    base = args.postgres_url.rsplit("/", 1)[0]
    return f"{base}/helpdesk_big_{size}"


def child_environment(url: str, path: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        DEBUG="false",
        MEMORY_BACKEND="embedded",
        MEMORY_EMBEDDINGS="false",  # the benchmark installs its own fake embedder
        MIRROR_WORKER_AUTOSTART="false",
        LOG_LEVEL="WARNING",
    )
    if path == "whole":
        env["MEMORY_FULL_HISTORY_DOCUMENTS"] = str(10**9)
    return env


# --------------------------------------------------------------------------- build


def big_customer(size: int) -> Any:
    """One customer with `size` tickets from the load set's pool, oldest first."""
    from bench.loadset import REFERENCE_TIME, _ticket, source_pool
    from tickets.services.bulk import ImportCustomer

    pool = sorted(source_pool(), key=lambda s: hashlib.sha256(s.pool_id.encode()).digest())
    gap = dt.timedelta(days=HISTORY_DAYS) / size
    tickets = []
    for number in range(size):
        source = pool[number % len(pool)]
        created = REFERENCE_TIME - gap * (size - number)
        ticket = _ticket(source, created_at=created, is_open=number == size - 1, is_closed=False)
        cycle = number // len(pool)
        messages = tuple(
            replace(message, external_id=f"{message.external_id}@{cycle}")
            for message in ticket.messages
        )
        tickets.append(replace(ticket, messages=_with_reference(messages, number)))
    return ImportCustomer(
        external_id=f"big-{size}",
        name="Acme Logistics",
        email="support@acme.example.com",
        created_at=tickets[0].created_at - dt.timedelta(days=1),
        tickets=tuple(tickets),
    )


def _with_reference(messages: tuple, number: int) -> tuple:
    """The first customer message names the order it is about, one per ticket (the load set's
    conversations repeat in a history this long; their references do not)."""
    reference = "AC" + hashlib.sha256(f"order:{number}".encode()).hexdigest()[:6].upper()
    first = next((n for n, m in enumerate(messages) if m.role == "customer"), 0)
    named = replace(messages[first], body=f"{messages[first].body} (order {reference})")
    return (*messages[:first], named, *messages[first + 1 :])


def build(size: int) -> dict[str, Any]:
    import numpy as np
    from django.core.management import call_command
    from django.db import transaction

    from helpdesk.memory.backends.embedded.history import vector_to_bytes
    from helpdesk.memory.models import MemoryDocument, MirrorEntry
    from tickets.models import Message
    from tickets.services.bulk import bulk_import

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    with transaction.atomic():
        report = bulk_import(customers=[big_customer(size)])
    imported = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    rows = Message.objects.select_related("ticket__customer", "author").order_by("id")
    batch: list[MemoryDocument] = []
    t0 = time.perf_counter()
    for message in rows.iterator(chunk_size=2000):
        vector = rng.standard_normal(DIMENSIONS).astype(np.float32)
        batch.append(
            MemoryDocument(
                customer_id=message.ticket.customer_id,
                ticket_id=message.ticket_id,
                message_id=message.pk,
                speaker=(message.display_author or message.ticket.customer.name)[:200],
                text=message.body,
                created_at=message.created_at,
                vector=vector_to_bytes(vector / np.linalg.norm(vector)),
            )
        )
        if len(batch) == 2000:
            MemoryDocument.objects.bulk_create(batch)
            batch = []
    MemoryDocument.objects.bulk_create(batch)
    MirrorEntry.objects.update(state=MirrorEntry.State.DELIVERED, outcome="benchmark")
    return {
        "tickets": report.tickets,
        "messages": report.messages,
        "import_s": round(imported, 1),
        "documents_s": round(time.perf_counter() - t0, 1),
    }


# --------------------------------------------------------------------------- measure


class FakeEmbedder:
    """A fixed unit vector per text (sha256-seeded): no model, the same cost of scoring."""

    def embed_query(self, text: str) -> Any:
        import numpy as np

        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def embed_passages(self, texts: list[str]) -> Any:
        import numpy as np

        return np.stack([self.embed_query(text) for text in texts]) if texts else None


def measure(runs: int) -> dict[str, Any]:
    from helpdesk.memory import backends, ids
    from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
    from helpdesk.memory.selectors.context import default_query, ticket_context
    from tickets.models import Message, Ticket

    tickets = list(Ticket.objects.order_by("created_at", "id"))
    newest, old = tickets[-1], tickets[int(len(tickets) * OLD_TICKET_SHARE)]
    old_query = (
        Message.objects.filter(ticket=old, role=Message.Role.CUSTOMER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    queries = {"newest": default_query(newest), "old": old_query}
    timings: dict[str, list[float]] = {}
    found_old = []

    def fresh() -> EmbeddedBackend:
        backend = EmbeddedBackend(embedder=FakeEmbedder())
        backends._backend = backend  # what get_backend() hands the context service
        return backend

    def timed(name: str, call: Any) -> Any:
        t0 = time.perf_counter()
        result = call()
        timings.setdefault(name, []).append(time.perf_counter() - t0)
        return result

    backend = fresh()
    for _ in range(runs):
        for label, query in queries.items():
            for state in ("cold", "warm"):
                if state == "cold":
                    backend = fresh()

                def search(backend: EmbeddedBackend = backend, query: str = query) -> Any:
                    return backend.related_tickets(
                        customer_id=ids.customer_id(newest.customer_id),
                        query=query,
                        exclude_group_id=ids.group_id(newest.pk),
                        query_time=newest.last_message_at,
                    )

                matches = timed(f"search_{label}_{state}", search)
                if label == "old" and state == "cold":
                    found_old.append(old.pk in [m.ticket_id for m in matches])
        for state in ("cold", "warm"):
            if state == "cold":
                fresh()
            timed(f"panel_{state}", lambda: ticket_context(ticket=newest))
    return {
        "ms": {k: round(statistics.median(v) * 1000, 1) for k, v in timings.items()},
        "old_ticket_found": all(found_old),
        "peak_rss_mb": vm_hwm_kb(os.getpid()) // 1024,
    }


# --------------------------------------------------------------------------- table


def table() -> None:
    results = sorted(
        (json.loads(path.read_text()) for path in RESULTS.glob("big-*.json")),
        key=lambda r: (r["database"] != "sqlite", r["tickets"]),
    )
    if not results:
        print("no results in bench/results/big-*.json")
        return
    head = " | ".join(
        f"{'SQLite' if r['database'] == 'sqlite' else 'PostgreSQL'} {r['tickets']:,}"
        for r in results
    )
    print(f"| one customer's tickets | {head} |")
    print("|---" * (len(results) + 1) + "|")
    print("| messages | " + " | ".join(f"{r['messages']:,}" for r in results) + " |")

    def line(label: str, key: str) -> None:
        cells = []
        for r in results:
            whole, bounded = r["whole"]["ms"][key], r["bounded"]["ms"][key]
            cells.append(f"{whole:,.0f} / {bounded:,.0f}")
        print(f"| {label} | " + " | ".join(cells) + " |")

    line("related search, newest query, cold ms", "search_newest_cold")
    line("related search, newest query, warm ms", "search_newest_warm")
    line("related search, old ticket's query, cold ms", "search_old_cold")
    line("memory panel (ticket_context), cold ms", "panel_cold")
    line("memory panel (ticket_context), warm ms", "panel_warm")
    print(
        "| old ticket found | "
        + " | ".join(
            f"{'yes' if r['whole']['old_ticket_found'] else 'no'} / "
            f"{'yes' if r['bounded']['old_ticket_found'] else 'no'}"
            for r in results
        )
        + " |"
    )
    print(
        "| peak RSS MB | "
        + " | ".join(
            f"{r['whole']['peak_rss_mb']} / {r['bounded']['peak_rss_mb']}" for r in results
        )
        + " |"
    )


# --------------------------------------------------------------------------- main


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    if args.step == "build":
        print(json.dumps(build(args.size)))
    else:
        print(json.dumps(measure(args.runs)))


def run_child(args: argparse.Namespace, size: int, step: str, path: str = "bounded") -> dict:
    command = [PYTHON, __file__, "--database", args.database, "--size", str(size)]
    command += ["--step", step, "--runs", str(args.runs), "--postgres-url", args.postgres_url]
    environment = child_environment(database_url(args, size), path)
    done = subprocess.run(  # noqa: S603  # this script again, fixed arguments
        command, cwd=ROOT, env=environment, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default="postgres://load:load@127.0.0.1:55438/postgres",
        help="a role that may create databases; helpdesk_big_<tickets> is used",
    )
    parser.add_argument("--sizes", default="200,2000,10000", help="tickets, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="rounds of each timing (median)")
    parser.add_argument("--reuse", action="store_true", help="measure the databases built before")
    parser.add_argument("--table", action="store_true", help="print the README table and exit")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--step", choices=["build", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.table:
        table()
        return
    if args.step:
        child(args)
        return
    RESULTS.mkdir(exist_ok=True)
    for size in (int(part) for part in args.sizes.split(",")):
        result: dict[str, Any] = {
            "database": args.database,
            "started": time.strftime("%Y-%m-%d %H:%M"),
            "load": round(os.getloadavg()[0], 1),
        }
        if not args.reuse:
            fresh_database(database_url(args, size))
            result |= run_child(args, size, "build")
        else:  # the tickets and messages of the database built before
            previous = json.loads((RESULTS / f"big-{args.database}-{size}.json").read_text())
            result |= {k: v for k, v in previous.items() if k in BUILT}
        for path in ("whole", "bounded"):
            result[path] = run_child(args, size, "measure", path)
        (RESULTS / f"big-{args.database}-{size}.json").write_text(json.dumps(result, indent=1))
        print(f"{args.database} {size}: {json.dumps(result)}", flush=True)
    table()


BUILT = ("tickets", "messages", "import_s", "documents_s")

if __name__ == "__main__":
    main()
