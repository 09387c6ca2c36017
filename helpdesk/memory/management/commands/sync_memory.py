"""`manage.py sync_memory [--wait]`: deliver the memory mirror's pending entries now."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helpdesk.memory.backends import get_backend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.selectors.sync import mirror_state
from helpdesk.memory.services.mirror import (
    DeliveryReport,
    mirror_deliver_due,
    mirror_enqueue_quiet,
    mirror_next_due_at,
    mirror_retry,
)

# After a database error, --wait reconnects and tries again this much later.
DATABASE_PAUSE_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Deliver pending memory mirror entries. With --wait, keep going (through retries) "
        "until none is left; exits non-zero if some entries stay failed. SIGTERM stops it "
        "after the entry in hand."
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
        stopping = threading.Event()
        restore = _stop_on_sigterm(stopping)
        try:
            self._sync(options, stopping)
        finally:
            restore()

    def _sync(self, options: dict[str, Any], stopping: threading.Event) -> None:
        if options["retry_failed"]:
            requeued = mirror_retry(MirrorEntry.objects.all())
            self.stdout.write(f"Queued {requeued} failed entries again.")
        quiet = mirror_enqueue_quiet()
        if quiet:
            self.stdout.write(f"Queued memory extraction for {quiet} quiet tickets.")
        backend = get_backend()
        total = DeliveryReport()
        deadline = time.monotonic() + options["timeout"]
        # OutputWrapper is a TextIOBase, which typeshed does not count as IO[str]; rich only
        # writes to it and flushes it.
        console = Console(file=self.stdout, stderr=False)  # type: ignore[arg-type]
        with Progress(
            TextColumn("Mirroring to the {task.fields[backend]} memory"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("", total=mirror_state().pending, backend=backend.name)
            while not stopping.is_set():
                try:
                    report = mirror_deliver_due(backend, limit=200, should_stop=stopping.is_set)
                    due = None if report.attempted else mirror_next_due_at()
                except (OperationalError, InterfaceError) as error:
                    if not options["wait"] or time.monotonic() >= deadline:
                        raise
                    # A restarted database or a dropped connection: reconnect and go on.
                    self.stderr.write(f"Database error ({error}); reconnecting.")
                    connection.close()
                    stopping.wait(DATABASE_PAUSE_SECONDS)
                    continue
                total += report
                progress.update(task, advance=report.delivered + report.failed)
                if report.attempted:
                    continue
                if not options["wait"] or due is None or time.monotonic() >= deadline:
                    break
                wait = (due - timezone.now()).total_seconds()
                stopping.wait(min(max(wait, 0.05), max(deadline - time.monotonic(), 0.05)))
        state = mirror_state()
        self.stdout.write(
            f"Delivered {total.delivered}, failed {total.failed}; "
            f"{state.pending} pending, {state.failed} failed in all."
        )
        if stopping.is_set():
            self.stdout.write("Stopped by SIGTERM.")
            return
        if state.failed:
            raise CommandError(
                f"{state.failed} entries failed (last error: {state.last_error}). "
                "Fix the cause, then run `sync_memory --retry-failed`."
            )
        if options["wait"] and state.pending:
            raise CommandError(f"{state.pending} entries still pending after the timeout.")


def _stop_on_sigterm(stopping: threading.Event) -> Callable[[], object]:
    """Make SIGTERM set `stopping` (main thread only); returns what undoes it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    return lambda: signal.signal(signal.SIGTERM, previous)
