"""`manage.py fetch_mail [--watch]`: take in the mail waiting in the support mailbox."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from helpdesk.channels.mailbox import FetchReport, mailbox_fetch
from helpdesk.mail.imap import Mailbox, MailboxError, MailboxSettings, mailbox_settings


class Command(BaseCommand):
    help = (
        "Take in the mail waiting in the support mailbox (IMAP_URL): each becomes a "
        "customer's message, then is moved to the done folder or flagged. With --watch, "
        "poll every IMAP_POLL_SECONDS until stopped (SIGTERM or Ctrl-C end it after the "
        "mail in hand)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="An IMAP URL instead of IMAP_URL.")
        parser.add_argument("--watch", action="store_true", help="Keep polling.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between polls with --watch (default IMAP_POLL_SECONDS).",
        )
        parser.add_argument("--limit", type=int, default=None, help="At most this many a pass.")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.IMAP_URL
        if not url:
            raise CommandError("No mailbox: set IMAP_URL (imaps://user:password@host/INBOX).")
        try:
            mailbox = mailbox_settings(
                url, timeout=settings.IMAP_TIMEOUT, ca_file=settings.IMAP_CA_FILE
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        interval = options["interval"] or settings.IMAP_POLL_SECONDS
        if interval <= 0 or (options["limit"] is not None and options["limit"] < 1):
            raise CommandError("--interval and --limit must be positive.")
        stopping = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        console = Console(file=self.stdout, stderr=False)  # type: ignore[arg-type]
        total = FetchReport()
        try:
            while True:
                try:
                    total += self._pass(mailbox, options["limit"], console, stopping)
                except MailboxError as error:
                    if not options["watch"]:
                        raise CommandError(str(error)) from error
                    self.stderr.write(f"{error}; trying again in {interval:g} s")
                if not options["watch"] or stopping.wait(interval):
                    break
                close_old_connections()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        if options["watch"]:
            self.stdout.write(f"Stopped. In all: {total}")

    def _pass(
        self,
        mailbox: MailboxSettings,
        limit: int | None,
        console: Console,
        stopping: threading.Event,
    ) -> FetchReport:
        with (
            Mailbox(mailbox) as box,
            Progress(
                TextColumn("Fetching mail"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            ) as bar,
        ):
            task = bar.add_task("mail", total=None)
            report = mailbox_fetch(
                box,
                limit=limit,
                progress=lambda done, n: bar.update(task, completed=done, total=n),
                stop=stopping,
            )
        left = report.waiting - report.handled
        more = f"; {left} still waiting" if left > 0 else ""
        self.stdout.write(f"{mailbox}: {report}{more}.")
        return report
