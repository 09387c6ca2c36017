"""`manage.py import_load_set --customers N`: the benchmark load set, bulk-imported (resumable)."""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from customers.models import Customer
from tickets.bulk import ImportReport, bulk_import, search_indexes_deferred


class Command(BaseCommand):
    help = (
        "Import the deterministic load set of bench/loadset.py (real Twitter CDP and LoCoMo "
        "messages replayed for synthetic customers) through the bulk import path, which also "
        "queues every message for the memory mirror. Safe to interrupt and run again: stored "
        "customers are skipped. Then `sync_memory --wait` delivers the mirror."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, required=True, help="e.g. 100, 1000, 10000")
        parser.add_argument("--seed", type=int, default=0, help="Load set seed (default 0).")
        parser.add_argument(
            "--batch",
            type=int,
            default=100,
            help="Customers per transaction (default 100, about 7,000 messages).",
        )
        parser.add_argument(
            "--defer-search-index",
            action="store_true",
            help="PostgreSQL: drop the search's indexes during the import and build "
            "them once at the end (faster for large imports; searches are slow meanwhile).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from bench.loadset import load_customer, source_pool
        except ImportError as error:  # run from a checkout: bench/ sits beside manage.py
            raise CommandError(f"bench/loadset.py is not importable: {error}") from error
        try:
            source_pool()
        except FileNotFoundError as error:
            raise CommandError(f"Load set data missing (set SHARED_DATA): {error}") from error
        wanted, seed, batch = options["customers"], options["seed"], options["batch"]
        if wanted < 1 or batch < 1:
            raise CommandError("--customers and --batch must be at least 1.")
        # OutputWrapper is a TextIOBase, which typeshed does not count as IO[str]; rich only
        # writes to it and flushes it.
        console = Console(file=self.stdout)  # type: ignore[arg-type]
        total = ImportReport()
        started = time.perf_counter()
        deferred = search_indexes_deferred() if options["defer_search_index"] else nullcontext()
        with (
            deferred,
            Progress(
                TextColumn("Importing customers"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[messages]:,} messages"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                disable=not console.is_terminal,
            ) as progress,
        ):
            task = progress.add_task("", total=wanted, messages=0)
            for start in range(0, wanted, batch):
                indexes = range(start, min(start + batch, wanted))
                # Skipping a stored batch needs no generation: only the ids are derived.
                stored = _stored_count(indexes, seed)
                if stored == len(indexes):
                    total += ImportReport(skipped=stored)
                else:
                    total += bulk_import(customers=[load_customer(i, seed) for i in indexes])
                progress.update(task, completed=indexes.stop, messages=total.messages)
        elapsed = time.perf_counter() - started
        rate = total.messages / elapsed if elapsed else 0.0
        self.stdout.write(
            f"Imported {total.customers} customers ({total.skipped} already stored), "
            f"{total.tickets} tickets, {total.messages} messages and {total.mirror_entries} "
            f"mirror entries in {elapsed:.1f}s ({rate:,.0f} messages/s)."
        )


def _stored_count(indexes: range, seed: int) -> int:
    from bench.loadset import customer_external_id

    ids = [customer_external_id(i, seed) for i in indexes]
    return Customer.objects.filter(external_id__in=ids).count()
