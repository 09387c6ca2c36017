"""`manage.py sync_memory [--wait]`: deliver the memory mirror's pending entries now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helpdesk.memory import get_backend
from tickets.mirror import (
    DeliveryReport,
    mirror_deliver_due,
    mirror_enqueue_quiet,
    mirror_next_due_at,
    mirror_retry,
    mirror_state,
)
from tickets.models import MirrorEntry


class Command(BaseCommand):
    help = (
        "Deliver pending memory mirror entries. With --wait, keep going (through retries) "
        "until none is left; exits non-zero if some entries stay failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", action="store_true", help="Wait for retries that fall due.")
        parser.add_argument(
            "--timeout",
            type=float,
            default=600.0,
            help="With --wait, give up after this many seconds (default 600).",
        )
        parser.add_argument(
            "--retry-failed", action="store_true", help="Queue failed entries again first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry_failed"]:
            requeued = mirror_retry(MirrorEntry.objects.all())
            self.stdout.write(f"Queued {requeued} failed entries again.")
        quiet = mirror_enqueue_quiet()
        if quiet:
            self.stdout.write(f"Queued memory extraction for {quiet} quiet tickets.")
        backend = get_backend()
        total = DeliveryReport()
        deadline = time.monotonic() + options["timeout"]
        console = Console(file=self.stdout, stderr=False)
        with Progress(
            TextColumn("Mirroring to the {task.fields[backend]} memory"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("", total=mirror_state().pending, backend=backend.name)
            while True:
                report = mirror_deliver_due(backend, limit=200)
                total += report
                progress.update(task, advance=report.delivered + report.failed)
                if report.attempted:
                    continue
                due = mirror_next_due_at()
                if not options["wait"] or due is None or time.monotonic() >= deadline:
                    break
                wait = (due - timezone.now()).total_seconds()
                time.sleep(min(max(wait, 0.05), max(deadline - time.monotonic(), 0.05)))
        state = mirror_state()
        self.stdout.write(
            f"Delivered {total.delivered}, failed {total.failed}; "
            f"{state.pending} pending, {state.failed} failed in all."
        )
        if state.failed:
            raise CommandError(
                f"{state.failed} entries failed (last error: {state.last_error}). "
                "Fix the cause, then run `sync_memory --retry-failed`."
            )
        if options["wait"] and state.pending:
            raise CommandError(f"{state.pending} entries still pending after the timeout.")
