"""Bulk-import the benchmark load set into the configured database (resumable).

    python bench/import_load_set.py --customers 10000 [--seed 0] [--batch 100]
                                    [--defer-search-index]

The load set (bench/loadset.py: real Twitter CDP and LoCoMo messages replayed for synthetic
customers, from ../shared/data or SHARED_DATA) goes through the product's bulk import, which
also queues every message for the memory mirror; `manage.py sync_memory --wait` then delivers
it. Safe to interrupt and run again: stored customers are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(
    *,
    customers: int,
    seed: int = 0,
    batch: int = 100,
    defer_search_index: bool = False,
    stdout: TextIO = sys.stdout,
) -> str:
    """Import `customers` customers of the load set; returns the summary line it printed."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from bench.loadset import load_customer, source_pool
    from bench.search_indexes import search_indexes_deferred
    from tickets.services.bulk import ImportReport, bulk_import

    if customers < 1 or batch < 1:
        raise SystemExit("--customers and --batch must be at least 1.")
    try:
        source_pool()
    except FileNotFoundError as error:
        raise SystemExit(f"Load set data missing (set SHARED_DATA): {error}") from error
    console = Console(file=stdout)
    total = ImportReport()
    started = time.perf_counter()
    deferred = search_indexes_deferred() if defer_search_index else nullcontext()
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
        task = progress.add_task("", total=customers, messages=0)
        for start in range(0, customers, batch):
            indexes = range(start, min(start + batch, customers))
            # Skipping a stored batch needs no generation: only the ids are derived.
            stored = _stored_count(indexes, seed)
            if stored == len(indexes):
                total += ImportReport(skipped=stored)
            else:
                total += bulk_import(customers=[load_customer(i, seed) for i in indexes])
            progress.update(task, completed=indexes.stop, messages=total.messages)
    elapsed = time.perf_counter() - started
    rate = total.messages / elapsed if elapsed else 0.0
    summary = (
        f"Imported {total.customers} customers ({total.skipped} already stored), "
        f"{total.tickets} tickets, {total.messages} messages and {total.mirror_entries} "
        f"mirror entries in {elapsed:.1f}s ({rate:,.0f} messages/s)."
    )
    print(summary, file=stdout)
    return summary


def _stored_count(indexes: range, seed: int) -> int:
    from bench.loadset import customer_external_id
    from customers.models import Customer

    ids = [customer_external_id(i, seed) for i in indexes]
    return Customer.objects.filter(external_id__in=ids).count()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, required=True, help="e.g. 100, 1000, 10000")
    parser.add_argument("--seed", type=int, default=0, help="Load set seed (default 0).")
    parser.add_argument(
        "--batch", type=int, default=100, help="Customers per transaction (default 100)."
    )
    parser.add_argument(
        "--defer-search-index",
        action="store_true",
        help="PostgreSQL: drop the search's indexes during the import and build them once at "
        "the end (faster for large imports; searches are slow meanwhile).",
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    run(
        customers=options.customers,
        seed=options.seed,
        batch=options.batch,
        defer_search_index=options.defer_search_index,
    )


if __name__ == "__main__":
    main()
