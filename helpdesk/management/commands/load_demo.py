"""`manage.py load_demo`: fill an empty database with the public demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helpdesk.demo_data.loader import (
    DEMO_DATA_DIR,
    DemoDataError,
    DemoDataPresentError,
    DemoSummary,
    demo_credentials_path,
    demo_credentials_read,
    demo_database_has_customers,
    demo_load,
)


class Command(BaseCommand):
    help = (
        "Load the demo data (ABCD sample chats, a Twitter CDP slice, one LoCoMo history) "
        "into an empty database, create an admin and two agents, and print their logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DEMO_DATA_DIR,
            help=f"Folder holding the demo slices (default: {DEMO_DATA_DIR}).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If the database already has customers, print the saved logins and exit 0.",
        )
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=None,
            help="Where to write the logins (default: var/demo_credentials.txt, mode 0600).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        credentials_path = options["credentials_file"] or demo_credentials_path()
        if options["if_empty"] and demo_database_has_customers():
            self._already_loaded(credentials_path)
            return
        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("messages"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done)

            try:
                summary = demo_load(
                    data_dir=options["data_dir"],
                    progress=progress,
                    credentials_path=credentials_path,
                )
            except (DemoDataPresentError, DemoDataError) as error:
                raise CommandError(str(error)) from error
        self._report(summary)

    def _already_loaded(self, credentials_path: Path) -> None:
        self.stdout.write("The database already has customers; no demo data loaded.")
        saved = demo_credentials_read(path=credentials_path)
        if saved is None:
            self.stdout.write(f"No saved logins at {credentials_path}.")
        else:
            self.stdout.write(f"Saved logins ({credentials_path}):\n")
            self.stdout.write(saved)

    def _report(self, summary: DemoSummary) -> None:
        write = self.stdout.write
        for item in summary.sets:
            write(
                f"{item.name}: {item.customers} customers, {item.tickets} tickets "
                f"({item.open_tickets} open), {item.messages} messages"
            )
        write(
            self.style.SUCCESS(
                f"Loaded {summary.customers} customers, {summary.tickets} tickets "
                f"({summary.open_tickets} open) and {summary.messages} messages."
            )
        )
        write(f"\nLog in at {summary.url}")
        for login in summary.logins:
            write(f"  {login.username:<8} {login.password}  ({login.role})")
        write(f"API token ({summary.logins[0].username}): {summary.api_token}")
        write(f"Saved to {summary.credentials_path} (readable only by you).")
