"""Celery: beat polls the support mailbox every `IMAP_POLL_SECONDS` when `IMAP_URL` is set."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from helpdesk.channels.mailbox import mailbox_fetch
from helpdesk.mail.imap import Mailbox, MailboxError, mailbox_settings

logger = logging.getLogger(__name__)
LOCK = "helpdesk:fetch-mail"


@shared_task(name="helpdesk.fetch_mail", ignore_result=True)
def fetch_mail() -> int:
    """One pass over the mailbox; a pass still running elsewhere makes this one a no-op."""
    if not settings.IMAP_URL:
        return 0
    lease = max(settings.IMAP_POLL_SECONDS * 5, settings.IMAP_TIMEOUT * 4)
    if not cache.add(LOCK, 1, timeout=lease):
        return 0
    try:
        with Mailbox(
            mailbox_settings(
                settings.IMAP_URL, timeout=settings.IMAP_TIMEOUT, ca_file=settings.IMAP_CA_FILE
            )
        ) as box:
            report = mailbox_fetch(box)
    except MailboxError as error:
        logger.warning("Fetching mail failed: %s", error)
        return 0
    finally:
        cache.delete(LOCK)
    if report.handled:
        logger.info("Fetched %s", report)
    return report.handled
