"""E-mail in from an IMAP mailbox: each waiting mail taken in once, then put away.

A pass lists the mails waiting in the support folder and, oldest first, takes each in
through `inbound_mail_receive` (the one path every mail takes) and only then marks it
taken on the server. A pass that stops half-way (a crash, the database gone) leaves the
mail in hand waiting; the next pass takes it in again, finds its Message-ID already
recorded and only marks it: nothing is lost and nothing is taken twice. A mail the
helpdesk cannot read, or one over `INBOUND_EMAIL_MAX_BYTES` (not even downloaded), is put
in the failed folder or flagged, for a person to look at.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from helpdesk.channels.services import MailOutcome, inbound_mail_receive
from helpdesk.mail import MailTooLargeError, UnreadableMailError
from helpdesk.mail.imap import Mailbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchReport:
    new: int = 0  # became a message
    repeated: int = 0  # its Message-ID was taken in before
    ignored: int = 0  # auto-reply, bounce, loop
    failed: int = 0  # could not be read, or too large
    waiting: int = 0  # found waiting when the pass began

    @property
    def handled(self) -> int:
        return self.new + self.repeated + self.ignored + self.failed

    def __add__(self, other: FetchReport) -> FetchReport:
        return FetchReport(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )

    def __str__(self) -> str:
        return (
            f"{self.handled} mail(s): {self.new} new, {self.repeated} taken before, "
            f"{self.ignored} ignored, {self.failed} failed"
        )


def _counted(outcome: MailOutcome) -> FetchReport:
    if outcome.ignored:
        return FetchReport(ignored=1)
    return FetchReport(new=1) if outcome.is_new else FetchReport(repeated=1)


def mailbox_fetch(
    mailbox: Mailbox,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> FetchReport:
    """Take in the mails waiting in `mailbox` (at most `limit`).

    `progress(done, total)` is called after each mail; a set `stop` ends the pass after the
    mail in hand. Errors of the mailbox or the database stop the pass (raised): what was
    not marked stays waiting for the next one.
    """
    waiting = mailbox.waiting()
    todo = waiting[:limit] if limit is not None else waiting
    report = FetchReport(waiting=len(waiting))
    for done, (uid, size) in enumerate(todo, start=1):
        if stop is not None and stop.is_set():
            break
        if size > settings.INBOUND_EMAIL_MAX_BYTES:
            logger.warning(
                "Mail %s of %s is %s bytes, over the limit: not taken", uid, mailbox.settings, size
            )
            mailbox.mark_failed(uid)
            report += FetchReport(failed=1)
        else:
            raw = mailbox.fetch(uid)
            try:
                outcome = inbound_mail_receive(raw=raw)
            except (UnreadableMailError, MailTooLargeError, ValidationError) as error:
                logger.warning("Mail %s of %s cannot be taken in: %s", uid, mailbox.settings, error)
                mailbox.mark_failed(uid)
                report += FetchReport(failed=1)
            else:
                mailbox.mark_taken(uid)
                report += _counted(outcome)
        if progress is not None:
            progress(done, len(todo))
    return report
