"""`manage.py backfill_memory`: queue existing history for the memory mirror (resumable)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helpdesk.memory.services.backfill import backfill_candidates, mirror_backfill
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Queue mirror entries for tickets that have none yet (safe to interrupt and run again). "
        "Then `sync_memory --wait` delivers them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Queue every ticket again, e.g. after switching MEMORY_BACKEND.",
        )
        parser.add_argument(
            "--after-ticket",
            type=int,
            default=0,
            help="Start after this ticket id (resume an interrupted --all run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = backfill_candidates(
            everything=options["everything"], after_ticket=options["after_ticket"]
        ).count()
        # OutputWrapper is a TextIOBase, which typeshed does not count as IO[str]; rich only
        # writes to it and flushes it.
        console = Console(file=self.stdout)  # type: ignore[arg-type]
        last = {"ticket": options["after_ticket"]}
        with Progress(
            TextColumn("Queueing history"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("", total=total)

            def advance(ticket: Ticket, entries: int) -> None:
                last["ticket"] = ticket.pk
                progress.advance(task)

            written = mirror_backfill(
                everything=options["everything"],
                after_ticket=options["after_ticket"],
                on_ticket=advance,
            )
        self.stdout.write(
            f"Queued {written} entries for {total} tickets (last ticket id {last['ticket']}). "
            "Run `manage.py sync_memory --wait` to deliver them."
        )
