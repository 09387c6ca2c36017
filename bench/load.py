"""Load benchmark: the load set at 100, 1,000 and 10,000 customers, on SQLite or PostgreSQL.

For each level, in a fresh database (one child process per level):

1. bulk import of the load set (bench/loadset.py) through
   `tickets.services.bulk.bulk_import`, outbox included: messages per second, `--import-runs`
   times on a fresh database each;
2. the memory mirror through its real claim path (`mirror_deliver_due`): a sample of the
   backlog (`--mirror-sample` entries) to the embedded engine (keyword-only), then as many to
   a loopback EverMemOS (tests/memory/evermemos_server.py, its own process; the same entries
   again when the backlog has run out);
3. the first `--customers-measured` customers' whole history delivered to the embedded engine
   (keyword-only), the rest of the backlog marked delivered without sending (1M messages
   would take hours to index);
4. in-process server time and query count (Django's test client, DEBUG off) of the ticket page,
   its memory panel (`/context/`, cold: a fresh engine cache; warm: asked again) and
   suggested reply, the queue (open, all, a deep page, searches) and customer search;
   the embedded engine's related-ticket search per customer;
5. gunicorn (gunicorn.conf.py: 2 workers x 4 threads) on the same database with throttles
   and the login lockout off: `--clients` concurrent httpx clients POST customer messages;
   p50/p95 latency, messages per second, mirror lag (delivered_at - created_at of the
   entries written meanwhile, the in-process worker delivering) with the embedded engine and
   with the loopback EverMemOS; CPU per POST of the gunicorn processes (its mirror worker
   included) and of the clients; peak RSS (VmHWM) of the gunicorn processes;
6. batch ingest: the same gunicorn setup, `--batch-clients` concurrent clients POST
   `/api/messages/batch/` with `--batch-size` customer messages each (spread over the same
   tickets, each with its own external id): messages per second, per-batch p50/p95 latency
   and CPU per message (after one untimed batch per client), next to the
   one-message-per-request figure of step 5.

`--only ingest` (or any steps) reruns just those on the level's database, importing it once
if it is not there; the other steps' figures stay in the results file.

Timings are medians over `--runs` rounds of per-round p50/p95. Results go to
bench/results/load-<database>-<level>.json; `--table` prints the README tables from them.

    .venv/bin/python bench/load.py --levels 100,1000                 # SQLite
    .venv/bin/python bench/load.py --database postgresql \\
        --postgres-url postgres://load:load@127.0.0.1:55435/postgres --levels 10000
    .venv/bin/python bench/load.py --levels 1000 --only ingest --runs 1
    .venv/bin/python bench/load.py --levels 1000 --only ingest,batch --mirror-backends embedded
    .venv/bin/python bench/load.py --table
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

STEPS = ("import", "mirror", "pages", "ingest", "batch")
QUEUE_TERMS = ("refund", "password", "suspended", "camera", "garcia")
CUSTOMER_TERMS = ("garcia", "mateo", "nadia.okafor", "load-3f", "7946 12")


# --------------------------------------------------------------------------- helpers


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(rounds: list[list[float]]) -> dict[str, float]:
    """Median over rounds of each round's p50 and p95, in milliseconds."""
    return {
        "p50_ms": round(statistics.median(percentile(r, 0.50) for r in rounds) * 1000, 1),
        "p95_ms": round(statistics.median(percentile(r, 0.95) for r in rounds) * 1000, 1),
        "n": sum(len(r) for r in rounds),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(args: argparse.Namespace, level: int) -> str:
    if args.database == "sqlite":
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'helpdesk-load-{level}.sqlite3'}"
    base = args.postgres_url.rsplit("/", 1)[0]
    return f"{base}/helpdesk_load_{level}"


def child_environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        DEBUG="false",
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        API_THROTTLE_USER="off",
        API_THROTTLE_ANON="off",
        LOGIN_LOCKOUT="false",
        MEMORY_BACKEND="embedded",
        MEMORY_EMBEDDINGS="false",
        MEMORY_QUIET_MINUTES="0",
        MIRROR_WORKER_AUTOSTART="false",
        LOG_LEVEL="WARNING",
    )
    return env


def fresh_database(url: str) -> None:
    """An empty database: the SQLite file removed, or the PostgreSQL database recreated."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


# --------------------------------------------------------------------------- child: one level


class Level:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.level: int = args.level
        self.url = database_url(args, self.level)
        self.result: dict[str, Any] = {
            "level": self.level,
            "database": args.database,
            "machine": machine(),
            "started": time.strftime("%Y-%m-%d %H:%M"),
        }

    def say(self, text: str) -> None:
        print(f"[{self.args.database} {self.level}] {text}", flush=True)

    # -- import

    def setup(self) -> None:
        if "import" in self.args.steps:
            fresh_database(self.url)
        import django

        django.setup()

    def migrate(self) -> None:
        from django.core.management import call_command
        from django.db import connection

        connection.close()
        call_command("migrate", verbosity=0)

    def import_once(self) -> dict[str, float]:
        from bench.loadset import load_customer, source_pool
        from bench.search_indexes import search_indexes_deferred
        from tickets.services.bulk import ImportReport, bulk_import

        source_pool()
        report, generate, write = ImportReport(), 0.0, 0.0
        t0 = time.perf_counter()
        # As `import_load_set --defer-search-index`; the index build counts as import time.
        with search_indexes_deferred():
            for start in range(0, self.level, 100):
                t1 = time.perf_counter()
                batch = [load_customer(i) for i in range(start, min(start + 100, self.level))]
                generate += time.perf_counter() - t1
                report += bulk_import(customers=batch)
        write = time.perf_counter() - t0 - generate
        return {
            "customers": report.customers,
            "tickets": report.tickets,
            "messages": report.messages,
            "mirror_entries": report.mirror_entries,
            "seconds": round(write, 2),
            "generate_seconds": round(generate, 2),
            "messages_per_s": round(report.messages / write),
            "end_to_end_messages_per_s": round(report.messages / (write + generate)),
        }

    def run_import(self) -> None:
        from django.db import connection

        runs = []
        for number in range(self.args.import_runs):
            if number:
                connection.close()
                fresh_database(self.url)
            self.migrate()
            runs.append(self.import_once())
            self.say(f"import run {number + 1}: {runs[-1]['messages_per_s']:,} messages/s")
        self.result["import"] = {
            **{k: runs[-1][k] for k in ("customers", "tickets", "messages", "mirror_entries")},
            "messages_per_s": statistics.median(r["messages_per_s"] for r in runs),
            "end_to_end_messages_per_s": statistics.median(
                r["end_to_end_messages_per_s"] for r in runs
            ),
            "runs": runs,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        if connection.vendor == "sqlite":
            self.result["import"]["database_mb"] = round(
                Path(connection.settings_dict["NAME"]).stat().st_size / 2**20
            )
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                self.result["import"]["database_mb"] = round(cursor.fetchone()[0] / 2**20)

    def ensure_imported(self) -> None:
        """Without the import step: reuse the level's database, importing once if it lacks it."""
        from django.db import DatabaseError, connection

        from customers.models import Customer

        try:
            stored = Customer.objects.count()
        except DatabaseError:
            stored = -1
        if stored == self.level:
            self.migrate()
            self.say(f"reusing the database with {stored:,} customers")
            return
        connection.close()
        fresh_database(self.url)
        self.migrate()
        report = self.import_once()
        self.say(f"imported once: {report['messages_per_s']:,} messages/s")

    # -- mirror

    def skip_backlog(self, customers: list[int]) -> None:
        """Without the mirror step: as after it, the measured customers' history delivered
        and the rest of the backlog marked delivered without sending."""
        from django.utils import timezone

        from helpdesk.memory.models import MirrorEntry

        self.deliver_customers(customers)
        MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING).update(
            state=MirrorEntry.State.DELIVERED, outcome="skipped", delivered_at=timezone.now()
        )

    def measured_customers(self) -> list[int]:
        from customers.models import Customer

        count = min(self.level, self.args.customers_measured)
        return list(Customer.objects.order_by("id").values_list("id", flat=True)[:count])

    def deliver_customers(self, customer_ids: list[int]) -> None:
        """Their whole history to the embedded engine, in the mirror's order (by id)."""
        from helpdesk.memory.backends import get_backend
        from helpdesk.memory.models import MirrorEntry
        from helpdesk.memory.services.mirror import mirror_deliver

        backend = get_backend()
        pending = MirrorEntry.objects.filter(
            customer_id__in=customer_ids, state=MirrorEntry.State.PENDING
        ).order_by("id")
        for entry in pending.select_related("ticket__customer", "message__author").iterator():
            MirrorEntry.objects.filter(id=entry.id).update(state=MirrorEntry.State.SENDING)
            mirror_deliver(entry, backend)

    def mirror_throughput(self, backend: Any, label: str, ids: list[int] | None) -> list[int]:
        """Deliver a sample through the real claim path; returns the ids delivered."""
        from django.utils import timezone

        from helpdesk.memory.models import MirrorEntry
        from helpdesk.memory.services.mirror import mirror_deliver_due

        sample = self.args.mirror_sample
        pending = MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING)
        if ids is not None and pending.count() < min(sample, len(ids)):
            # A small level has no backlog left: send the first backend's sample again.
            MirrorEntry.objects.filter(id__in=ids).update(
                state=MirrorEntry.State.PENDING, attempts=0, next_attempt_at=timezone.now()
            )
            sample = len(ids)
        started_at = timezone.now()
        delivered = failed = 0
        claims: list[float] = []
        t0 = time.perf_counter()
        while delivered + failed < sample:
            c0 = time.perf_counter()
            report = mirror_deliver_due(backend, limit=200)
            claims.append(time.perf_counter() - c0)
            if not report.attempted:
                break
            delivered += report.delivered
            failed += report.failed + report.retrying
        elapsed = time.perf_counter() - t0
        done = MirrorEntry.objects.filter(
            state=MirrorEntry.State.DELIVERED, delivered_at__gte=started_at
        )
        done_ids = list(done.values_list("id", flat=True))
        messages = done.filter(kind=MirrorEntry.Kind.MESSAGE).count()
        self.result.setdefault("mirror", {})[label] = {
            "entries": delivered,
            "failed": failed,
            "messages": messages,
            "seconds": round(elapsed, 1),
            "entries_per_s": round(delivered / elapsed) if elapsed else 0,
            "messages_per_s": round(messages / elapsed) if elapsed else 0,
        }
        self.say(f"mirror {label}: {delivered} entries, {delivered / max(elapsed, 1e-9):.0f}/s")
        return done_ids

    def run_mirror(self) -> list[int]:
        from django.utils import timezone

        from helpdesk.memory.backends import get_backend
        from helpdesk.memory.backends.evermemos import EverMemOSBackend, EverMemOSV1Backend
        from helpdesk.memory.models import MirrorEntry

        measured = self.measured_customers()
        t0 = time.perf_counter()
        self.deliver_customers(measured)
        self.say(f"measured customers delivered in {time.perf_counter() - t0:.0f}s")
        sample = self.mirror_throughput(get_backend(), "embedded", None)
        # v1 takes a ticket's due messages in one request (up to 500).
        clients = (
            ("v0", EverMemOSBackend, "evermemos"),
            ("v1", EverMemOSV1Backend, "evermemos-v1"),
        )
        for version, client, label in clients:
            with EverMemOSProcess(version) as server:
                backend = client(base_url=server.base_url)
                try:
                    self.mirror_throughput(backend, label, sample)
                finally:
                    backend.close()
        skipped = MirrorEntry.objects.filter(state=MirrorEntry.State.PENDING).update(
            state=MirrorEntry.State.DELIVERED, outcome="skipped", delivered_at=timezone.now()
        )
        self.result["mirror"]["skipped_backlog"] = skipped
        return measured

    # -- pages, in process

    def measured_tickets(self, customers: list[int]) -> list[Any]:
        from tickets.models import Ticket

        newest = {}
        rows = Ticket.objects.filter(customer_id__in=customers).order_by("customer_id", "-id")
        for ticket in rows.select_related("customer"):
            newest.setdefault(ticket.customer_id, ticket)
        return list(newest.values())

    def run_pages(self, customers: list[int]) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from helpdesk.memory import ids
        from helpdesk.memory.backends import get_backend, reset_backend
        from helpdesk.memory.selectors.context import default_query

        # Like a gunicorn worker (gunicorn.conf.py): what this process holds already (the
        # load set, the import) is kept out of the garbage collector's full collections.
        gc.collect()
        gc.freeze()
        client = agent_client()
        tickets = self.measured_tickets(customers)
        queue_urls = {
            "queue_open": ["/tickets/"],
            "queue_all": ["/tickets/?view=all"],
            "queue_deep_page": ["/tickets/?view=all&page=200"],
            "queue_search": [f"/tickets/?view=all&q={term}" for term in QUEUE_TERMS],
            "customer_list": ["/customers/"],
            "customer_search": [f"/customers/?q={term}" for term in CUSTOMER_TERMS],
        }

        def get(url: str) -> float:
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            return elapsed

        def queries(url: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                get(url)
            return len(captured)

        counts = {
            "ticket_page": max(queries(f"/tickets/{t.pk}/") for t in tickets[:10]),
            "context": max(queries(f"/tickets/{t.pk}/context/") for t in tickets[:10]),
            "suggested_reply": max(
                queries(f"/tickets/{t.pk}/suggested-reply/?fresh=1") for t in tickets[:10]
            ),
        }
        for name, urls in queue_urls.items():
            counts[name] = max(queries(url) for url in urls)
        rounds: dict[str, list[list[float]]] = {}

        def record(name: str, value: float) -> None:
            rounds.setdefault(name, [[] for _ in range(self.args.runs)])[run].append(value)

        for run in range(self.args.runs):
            for ticket in tickets:
                record("ticket_page", get(f"/tickets/{ticket.pk}/"))
                reset_backend()  # a fresh engine: this customer's history read from the database
                record("context_cold", get(f"/tickets/{ticket.pk}/context/"))
                record("context_warm", get(f"/tickets/{ticket.pk}/context/"))
                record("suggested_reply", get(f"/tickets/{ticket.pk}/suggested-reply/?fresh=1"))
                record(
                    "page_and_panels_warm",
                    rounds["ticket_page"][run][-1]
                    + rounds["context_warm"][run][-1]
                    + rounds["suggested_reply"][run][-1],
                )
                record(
                    "page_and_panels_cold",
                    rounds["ticket_page"][run][-1]
                    + rounds["context_cold"][run][-1]
                    + rounds["suggested_reply"][run][-1],
                )
            for name, urls in queue_urls.items():
                for _ in range(max(1, 10 // len(urls))):
                    for url in urls:
                        record(name, get(url))
            # The engine's related-ticket search alone, per customer: cold, then warm.
            for ticket in tickets:
                query = default_query(ticket)
                for state in ("cold", "warm"):
                    if state == "cold":
                        reset_backend()
                    backend = get_backend()
                    t0 = time.perf_counter()
                    backend.related_tickets(
                        customer_id=ids.customer_id(ticket.customer_id),
                        query=query,
                        exclude_group_id=ids.group_id(ticket.pk),
                        query_time=ticket.last_message_at,
                    )
                    record(f"memory_search_{state}", time.perf_counter() - t0)
        self.result["pages"] = {name: summary(values) for name, values in rounds.items()}
        self.result["queries"] = counts
        self.result["measured"] = {
            "customers": len(customers),
            "tickets": len(tickets),
            "messages_of_measured_customers": self.measured_messages(customers),
        }
        self.say(
            "pages: " + ", ".join(f"{k} {v['p95_ms']}" for k, v in self.result["pages"].items())
        )

    def measured_messages(self, customers: list[int]) -> int:
        from tickets.models import Message

        return Message.objects.filter(ticket__customer_id__in=customers).count()

    # -- served by gunicorn

    def run_served(self, customers: list[int]) -> None:
        from rest_framework.authtoken.models import Token

        from tickets.models import Ticket

        token, _ = Token.objects.get_or_create(user=agent())
        targets = list(
            Ticket.objects.filter(customer_id__in=customers)
            .exclude(status=Ticket.Status.CLOSED)
            .order_by("-id")
            .values_list("id", flat=True)[:64]
        )
        pages = self.measured_tickets(customers)
        served: dict[str, Any] = {}
        for backend in self.args.mirror_backends.split(","):
            with (
                EverMemOSProcess() if backend == "evermemos" else _nothing() as server,
                Gunicorn(self.serving_environment(backend, server)) as gunicorn,
            ):
                served[backend] = self.serve_round(gunicorn, token.key, targets, pages)
            self.say(f"served ({backend}): {served[backend]['post']}")
        self.result["served"] = served

    def serve_round(self, gunicorn: Gunicorn, token: str, targets: list[int], pages: list) -> dict:
        import httpx

        from helpdesk.memory.models import MirrorEntry

        headers = {"Authorization": f"Token {token}"}
        texts = _message_texts()
        latencies: list[list[float]] = []
        rates: list[float] = []
        server_cpu: list[float] = []  # gunicorn's CPU seconds per POST, its mirror worker too
        client_cpu: list[float] = []
        first_entry = MirrorEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        per_client = self.args.posts // self.args.clients
        for run in range(self.args.runs):
            done: list[float] = []
            errors: list[str] = []

            def client_loop(
                number: int, run: int = run, done: list[float] = done, errors: list[str] = errors
            ) -> None:
                with httpx.Client(base_url=gunicorn.url, headers=headers, timeout=60) as http:
                    for i in range(per_client):
                        ticket = targets[(number * per_client + i) % len(targets)]
                        text = texts[(run * 7919 + number * 104729 + i) % len(texts)]
                        t0 = time.perf_counter()
                        response = http.post(
                            f"/api/tickets/{ticket}/messages/",
                            json={"role": "customer", "body": text},
                        )
                        done.append(time.perf_counter() - t0)  # list.append is atomic
                        if response.status_code != 201:
                            errors.append(f"{response.status_code} {response.text[:200]}")

            threads = [
                threading.Thread(target=client_loop, args=(n,)) for n in range(self.args.clients)
            ]
            server_cpu0, client_cpu0 = gunicorn.cpu_seconds(), _own_cpu_seconds()
            t0 = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rates.append(len(done) / (time.perf_counter() - t0))
            server_cpu.append((gunicorn.cpu_seconds() - server_cpu0) / len(done))
            client_cpu.append((_own_cpu_seconds() - client_cpu0) / len(done))
            latencies.append(done)
            if errors:
                raise RuntimeError(f"{len(errors)} API posts failed, e.g. {errors[0]}")
        if gunicorn.env["MIRROR_WORKER_AUTOSTART"] == "true":
            lag = self.mirror_lag(first_entry)
        else:
            lag = {"entries": 0}
            MirrorEntry.objects.filter(id__gt=first_entry, state=MirrorEntry.State.PENDING).update(
                state=MirrorEntry.State.DELIVERED, outcome="skipped"
            )
        # Pages over HTTP (client-side time), which also loads each worker's engine cache.
        page_times: list[float] = []
        with httpx.Client(base_url=gunicorn.url, timeout=60) as http:
            http.get("/accounts/login/")
            for ticket in pages:
                for path in (f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/context/"):
                    t0 = time.perf_counter()
                    http.get(path, headers={"Cookie": gunicorn.session_cookie})
                    page_times.append(time.perf_counter() - t0)
        return {
            "post": {
                **summary(latencies),
                "messages_per_s": round(statistics.median(rates)),
                "server_cpu_ms": round(statistics.median(server_cpu) * 1000, 2),
                "client_cpu_ms": round(statistics.median(client_cpu) * 1000, 2),
            },
            "mirror_lag": lag,
            "http_page_and_context": summary([page_times]),
            "peak_rss_mb": gunicorn.peak_rss_mb(),
        }

    # -- batches through /api/messages/batch/, served by gunicorn

    def serving_environment(self, backend: str, server: Any) -> dict[str, str]:
        env = child_environment(self.url)
        # "none": no mirror worker, the API alone (its entries are then skipped).
        env["MIRROR_WORKER_AUTOSTART"] = "false" if backend == "none" else "true"
        env["MEMORY_BACKEND"] = "embedded" if backend == "none" else backend
        if server is not None:
            env["EVERMEMOS_BASE_URL"] = server.base_url
            env["EVERMEMOS_API_VERSION"] = server.version
        return env

    def run_batches(self, customers: list[int]) -> None:
        from rest_framework.authtoken.models import Token

        from tickets.models import Ticket

        token, _ = Token.objects.get_or_create(user=agent())
        targets = list(
            Ticket.objects.filter(customer_id__in=customers)
            .exclude(status=Ticket.Status.CLOSED)
            .order_by("-id")
            .values_list("id", flat=True)[:64]
        )
        batches: dict[str, Any] = {}
        for backend in self.args.mirror_backends.split(","):
            with (
                EverMemOSProcess() if backend == "evermemos" else _nothing() as server,
                Gunicorn(self.serving_environment(backend, server)) as gunicorn,
            ):
                batches[backend] = self.batch_rounds(gunicorn, token.key, targets)
            self.say(f"batches ({backend}): {batches[backend]}")
        self.result["batch"] = batches

    def batch_rounds(self, gunicorn: Gunicorn, token: str, targets: list[int]) -> dict:
        import httpx

        from helpdesk.memory.models import MirrorEntry

        headers = {"Authorization": f"Token {token}"}
        texts = _message_texts()
        size, clients = self.args.batch_size, self.args.batch_clients
        per_client = max(1, self.args.batch_posts // size // clients)
        first_entry = MirrorEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        stamp = time.strftime("%Y%m%d%H%M%S")
        latencies: list[list[float]] = []
        rates: list[float] = []
        server_cpu: list[float] = []  # gunicorn's CPU seconds per message, mirror worker too
        client_cpu: list[float] = []
        # Round -1 warms up: one untimed batch per client, so that the workers' first requests
        # (imports, connections, the mirror worker's engine) are not in the first round.
        for run in range(-1 if self.args.batch_warmup else 0, self.args.runs):
            done: list[float] = []
            errors: list[str] = []

            def client_loop(
                number: int, run: int = run, done: list[float] = done, errors: list[str] = errors
            ) -> None:
                with httpx.Client(base_url=gunicorn.url, headers=headers, timeout=120) as http:
                    for i in range(1 if run < 0 else per_client):
                        start = (number * per_client + i) * size
                        messages = [
                            {
                                "ticket": targets[(start + n) % len(targets)],
                                "role": "customer",
                                "body": texts[(run * 7919 + start + n) % len(texts)],
                                "external_id": f"bench-{stamp}-{run}-{number}-{i}-{n}",
                            }
                            for n in range(size)
                        ]
                        t0 = time.perf_counter()
                        response = http.post("/api/messages/batch/", json={"messages": messages})
                        done.append(time.perf_counter() - t0)  # list.append is atomic
                        if response.status_code != 200:
                            errors.append(f"{response.status_code} {response.text[:200]}")
                        elif any(r["status"] != "created" for r in response.json()["results"]):
                            errors.append(f"not all created: {response.text[:200]}")

            threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
            server_cpu0, client_cpu0 = gunicorn.cpu_seconds(), _own_cpu_seconds()
            t0 = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if run < 0:
                if errors:
                    raise RuntimeError(f"warm-up batches failed, e.g. {errors[0]}")
                continue
            messages_sent = len(done) * size
            rates.append(messages_sent / (time.perf_counter() - t0))
            server_cpu.append((gunicorn.cpu_seconds() - server_cpu0) / messages_sent)
            client_cpu.append((_own_cpu_seconds() - client_cpu0) / messages_sent)
            latencies.append(done)
            self.say(f"batch round {run + 1}: {rates[-1]:,.0f} messages/s")
            if errors:
                raise RuntimeError(f"{len(errors)} batch posts failed, e.g. {errors[0]}")
        # The mirror worker cannot keep up with this rate (step 2 measures it); what it has
        # not delivered yet is marked skipped, so that later steps start without a backlog.
        entries = MirrorEntry.objects.filter(id__gt=first_entry)
        written = entries.count()
        pending = entries.filter(state=MirrorEntry.State.PENDING).update(
            state=MirrorEntry.State.DELIVERED, outcome="skipped"
        )
        return {
            "batch": {
                **summary(latencies),
                "size": size,
                "clients": clients,
                "warmup": self.args.batch_warmup,
            },
            "messages_per_s": round(statistics.median(rates)),
            "rounds_messages_per_s": [round(rate) for rate in rates],
            "server_cpu_ms_per_message": round(statistics.median(server_cpu) * 1000, 3),
            "client_cpu_ms_per_message": round(statistics.median(client_cpu) * 1000, 3),
            "mirror_entries_written": written,
            "mirror_entries_skipped_after": pending,
            "peak_rss_mb": gunicorn.peak_rss_mb(),
        }

    def mirror_lag(self, after_id: int) -> dict[str, Any]:
        from helpdesk.memory.models import MirrorEntry

        entries = MirrorEntry.objects.filter(id__gt=after_id)
        deadline = time.monotonic() + 300
        while entries.exclude(state=MirrorEntry.State.DELIVERED).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        rows = list(
            entries.filter(state=MirrorEntry.State.DELIVERED).values_list(
                "created_at", "delivered_at"
            )
        )
        lags = [(delivered - created).total_seconds() for created, delivered in rows]
        if not lags:
            return {"entries": 0}
        span = max(d for _, d in rows) - min(c for c, _ in rows)
        return {
            "entries": len(lags),
            "undelivered": entries.exclude(state=MirrorEntry.State.DELIVERED).count(),
            "p50_s": round(percentile(lags, 0.5), 2),
            "p95_s": round(percentile(lags, 0.95), 2),
            "max_s": round(max(lags), 2),
            "entries_per_s": round(len(lags) / max(span.total_seconds(), 1e-9)),
        }

    def run(self) -> None:
        steps = self.args.steps
        self.setup()
        if "import" in steps:
            self.run_import()
        else:
            self.ensure_imported()
        if "mirror" in steps:
            customers = self.run_mirror()
        else:
            customers = self.measured_customers()
            self.skip_backlog(customers)
        if "pages" in steps:
            self.run_pages(customers)
        if "ingest" in steps:
            self.run_served(customers)
        if "batch" in steps:
            self.run_batches(customers)
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"load-{self.args.database}-{self.level}.json"
        # A partial run (--only) replaces its own steps' figures and keeps the others.
        result = json.loads(path.read_text()) if path.exists() and steps != STEPS else {}
        for section in ("served", "batch"):  # other mirror backends' figures too
            if section in result and section in self.result:
                self.result[section] = {**result[section], **self.result[section]}
        result.update(self.result)
        path.write_text(json.dumps(result, indent=2))
        self.say(f"written {path}")


def agent() -> Any:
    from django.contrib.auth.models import Group, User

    from tickets.selectors import AGENTS_GROUP

    user, _ = User.objects.get_or_create(username="bench-agent", defaults={"first_name": "Bench"})
    user.groups.add(Group.objects.get(name=AGENTS_GROUP))
    return user


def agent_client() -> Any:
    """The portal as a logged-in agent sees it, in this process (Django's test client)."""
    from django.test import Client

    client = Client()
    client.force_login(agent())
    return client


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _message_texts() -> list[str]:
    from bench.loadset import source_pool

    return [
        turn.text for source in source_pool()[:200] for turn in source.turns if turn.is_customer
    ]


class EverMemOSProcess:
    """A loopback EverMemOS (tests/memory/evermemos_server.py for v0, evermemos_v1_server.py
    for v1) in a process of its own (not sharing our GIL)."""

    def __init__(self, version: str = "v0") -> None:
        self.version = version

    def __enter__(self) -> EverMemOSProcess:
        self.process = subprocess.Popen(  # noqa: S603  # this script, fixed arguments
            [PYTHON, __file__, "--serve-evermemos", self.version],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("http"):
            raise RuntimeError(f"EverMemOS loopback did not start: {line!r}")
        self.base_url = line.strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)


def serve_evermemos(version: str) -> None:
    from tests.memory.evermemos_server import EverMemOSServer
    from tests.memory.evermemos_v1_server import EverMemOSV1Server

    server = (EverMemOSV1Server() if version == "v1" else EverMemOSServer()).start()
    print(server.base_url, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.stop()


class Gunicorn:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.session_cookie = ""

    def __enter__(self) -> Gunicorn:
        import httpx

        self.log = tempfile.NamedTemporaryFile(prefix="helpdesk-load-gunicorn-", suffix=".log")
        self.process = subprocess.Popen(  # noqa: S603  # the venv's gunicorn, fixed arguments
            [
                # The gunicorn script, not `python -m gunicorn`: the web process starts its
                # in-process mirror worker only when it sees itself run as gunicorn.
                str(Path(PYTHON).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health/", timeout=5).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not start")
        self.session_cookie = _session_cookie()
        return self

    def cpu_seconds(self) -> float:
        """User and system CPU of the master and its workers (all their threads) so far."""
        return sum(_cpu_seconds(pid) for pid in [self.process.pid, *_children(self.process.pid)])

    def peak_rss_mb(self) -> dict[str, int]:
        pids = [self.process.pid, *_children(self.process.pid)]
        peaks = {pid: vm_hwm_kb(pid) for pid in pids}
        workers = [peaks[pid] for pid in pids[1:]] or [0]
        return {
            "master": round(peaks[self.process.pid] / 1024),
            "worker_max": round(max(workers) / 1024),
        }

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _session_cookie() -> str:
    from django.conf import settings

    client = agent_client()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"VmHWM:\s+(\d+)", status)
    return int(found.group(1)) if found else 0


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), load {load:.1f} at start, {platform.platform()}"


# --------------------------------------------------------------------------- tables


def tables() -> None:
    rows = []
    for path in sorted(RESULTS.glob("load-*.json")):
        rows.append(json.loads(path.read_text()))
    rows.sort(key=lambda r: (r["database"] != "sqlite", r["level"]))
    if not rows:
        print("No results yet in", RESULTS)
        return
    levels = [(r["database"], r["level"]) for r in rows]
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    header = "| at N customers | " + " | ".join(f"{names[db]} {n:,}" for db, n in levels) + " |"
    print(header)
    print("|---" * (len(levels) + 1) + "|")

    def line(label: str, cell: Callable[[dict], str]) -> None:
        cells = []
        for r in rows:
            try:
                cells.append(cell(r))
            except (KeyError, TypeError):
                cells.append("n/a")
        print(f"| {label} | " + " | ".join(cells) + " |")

    def p(section: str, name: str) -> Callable[[dict], str]:
        return lambda r: f"{r[section][name]['p50_ms']:.0f} / {r[section][name]['p95_ms']:.0f}"

    line(
        "customers / tickets / messages",
        lambda r: "{:,} / {:,} / {:,}".format(
            r["import"]["customers"], r["import"]["tickets"], r["import"]["messages"]
        ),
    )
    line("bulk import, messages/s (with outbox)", lambda r: f"{r['import']['messages_per_s']:,}")
    line("ticket page p50 / p95 ms", p("pages", "ticket_page"))
    line("ticket page queries", lambda r: str(r["queries"]["ticket_page"]))
    line("context panel, warm p50 / p95 ms", p("pages", "context_warm"))
    line("context panel, cold p50 / p95 ms", p("pages", "context_cold"))
    line("context queries", lambda r: str(r["queries"]["context"]))
    line("suggested reply p50 / p95 ms", p("pages", "suggested_reply"))
    line("page + panels, warm p50 / p95 ms", p("pages", "page_and_panels_warm"))
    line("queue (open) p50 / p95 ms", p("pages", "queue_open"))
    line("queue (all) p50 / p95 ms", p("pages", "queue_all"))
    line("queue, page 200 p50 / p95 ms", p("pages", "queue_deep_page"))
    line("queue search p50 / p95 ms", p("pages", "queue_search"))
    line("customer list p50 / p95 ms", p("pages", "customer_list"))
    line("customer search p50 / p95 ms", p("pages", "customer_search"))
    line(
        "memory search cold / warm p95 ms",
        lambda r: "{:.0f} / {:.0f}".format(
            r["pages"]["memory_search_cold"]["p95_ms"], r["pages"]["memory_search_warm"]["p95_ms"]
        ),
    )
    for backend in ("embedded", "evermemos"):
        line(
            f"API POST ({backend} mirror) p50 / p95 ms",
            lambda r, b=backend: "{:.0f} / {:.0f}".format(
                r["served"][b]["post"]["p50_ms"], r["served"][b]["post"]["p95_ms"]
            ),
        )
        line(
            f"API ingest ({backend} mirror), messages/s",
            lambda r, b=backend: f"{r['served'][b]['post']['messages_per_s']:,}",
        )
        line(
            f"CPU per POST ({backend} mirror), server / client ms",
            lambda r, b=backend: "{:.1f} / {:.1f}".format(
                r["served"][b]["post"]["server_cpu_ms"], r["served"][b]["post"]["client_cpu_ms"]
            ),
        )
        line(
            f"API batch ingest ({backend} mirror), batches of 500, messages/s",
            lambda r, b=backend: f"{r['batch'][b]['messages_per_s']:,}",
        )
        line(
            f"API batch of 500 ({backend} mirror) p50 / p95 ms",
            lambda r, b=backend: "{:.0f} / {:.0f}".format(
                r["batch"][b]["batch"]["p50_ms"], r["batch"][b]["batch"]["p95_ms"]
            ),
        )
        line(
            f"mirror lag under ingest ({backend}) p50 / p95 s",
            lambda r, b=backend: "{} / {}".format(
                r["served"][b]["mirror_lag"]["p50_s"], r["served"][b]["mirror_lag"]["p95_s"]
            ),
        )
    line(
        "mirror to embedded (keyword), messages/s",
        lambda r: f"{r['mirror']['embedded']['messages_per_s']:,}",
    )
    line(
        "mirror to EverMemOS loopback, messages/s",
        lambda r: f"{r['mirror']['evermemos']['messages_per_s']:,}",
    )
    line(
        "mirror to EverMemOS v1 loopback (batches), messages/s",
        lambda r: f"{r['mirror']['evermemos-v1']['messages_per_s']:,}",
    )
    line(
        "peak RSS, gunicorn worker (embedded / evermemos mirror) MB",
        lambda r: " / ".join(
            str(r["served"][b]["peak_rss_mb"]["worker_max"]) if b in r["served"] else "-"
            for b in ("embedded", "evermemos")
        ),
    )
    line("peak RSS, importer MB", lambda r: str(r["import"]["peak_rss_mb"]))
    line("database size MB", lambda r: f"{r['import']['database_mb']:,}")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default="postgres://load:load@127.0.0.1:55435/postgres",
        help="a role that may create databases; helpdesk_load_<level> is used",
    )
    parser.add_argument("--levels", default="100,1000,10000", help="customers, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="rounds of each timing (median)")
    parser.add_argument("--import-runs", type=int, default=3, help="imports, each on a fresh db")
    parser.add_argument("--mirror-sample", type=int, default=20_000, help="entries per backend")
    parser.add_argument(
        "--customers-measured",
        type=int,
        default=50,
        help="customers whose history is delivered and whose pages are timed",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent API clients")
    parser.add_argument("--posts", type=int, default=800, help="API messages per round")
    parser.add_argument("--batch-size", type=int, default=500, help="messages per batch POST")
    parser.add_argument("--batch-clients", type=int, default=2, help="concurrent batch clients")
    parser.add_argument(
        "--batch-posts", type=int, default=10_000, help="messages per batch round (all clients)"
    )
    parser.add_argument(
        "--batch-warmup",
        type=int,
        choices=[0, 1],
        default=1,
        help="1: one untimed batch per client before the rounds (default); 0: none",
    )
    parser.add_argument(
        "--mirror-backends",
        default="embedded,evermemos",
        help="the ingest step's mirror backends, comma-separated: embedded, evermemos, and "
        "none (no mirror worker: the API's cost alone)",
    )
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help="steps to run, comma-separated, of: import, mirror, pages, ingest, batch (default: "
        "all); "
        "without import, the level's database is reused (imported once if it does not hold "
        "the level), and the results file keeps the other steps' figures",
    )
    parser.add_argument("--table", action="store_true", help="print the README table and exit")
    parser.add_argument("--level", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-evermemos", choices=["v0", "v1"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.steps = tuple(step for step in STEPS if step in args.only.split(","))
    unknown = set(args.only.split(",")) - set(STEPS)
    if unknown or not args.steps:
        parser.error(f"--only takes steps of {', '.join(STEPS)}, not {args.only!r}")
    if args.serve_evermemos:
        serve_evermemos(args.serve_evermemos)
        return
    if args.table:
        tables()
        return
    if args.level is not None:
        os.environ.update(child_environment(database_url(args, args.level)))
        Level(args).run()
        return
    for level in (int(part) for part in args.levels.split(",")):
        command = [PYTHON, __file__, *sys.argv[1:], "--level", str(level)]
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603  # this script again
    tables()


if __name__ == "__main__":
    main()
