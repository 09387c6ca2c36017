"""Celery tasks: the same delivery code the in-process worker runs (the mirror, outgoing
e-mail and webhooks, one outbox).

`deliver_mirror` is sent after every commit that wrote mirror entries (see
`wake` below) and by beat every `MIRROR_SWEEP_SECONDS`, which picks
up retries that fell due and entries whose worker died. A task delivers for at
most `MIRROR_TASK_SECONDS` (plus the send in hand), then hands the rest to a
fresh task, so a worker asked to stop (SIGTERM: warm shutdown) is done soon
and no task outlives the broker's visibility timeout.
"""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver

from helpdesk.channels.outgoing import outgoing_mail_deliver_due
from helpdesk.memory.backends import get_backend
from helpdesk.memory.services.mirror import DeliveryReport, mirror_deliver_due, mirror_enqueue_quiet
from helpdesk.memory.wakeup import delivery_requested
from helpdesk.webhooks.delivery import webhook_deliver_due

logger = logging.getLogger(__name__)


@shared_task(name="helpdesk.deliver_mirror", ignore_result=True)
def deliver_mirror() -> int:
    """Deliver what is due now; if time runs out first, queue a task for the rest."""
    wake_taken()
    deadline = time.monotonic() + settings.MIRROR_TASK_SECONDS
    backend = get_backend()
    total = DeliveryReport()
    while True:
        if time.monotonic() >= deadline:
            deliver_mirror.apply_async(expires=settings.MIRROR_SWEEP_SECONDS * 6)
            break
        report = (
            mirror_deliver_due(backend, deadline=deadline)
            + outgoing_mail_deliver_due(deadline=deadline)
            + webhook_deliver_due(deadline=deadline)
        )
        total += report
        if not report.attempted:
            break
    if total.attempted:
        logger.info(
            "Mirror: %s delivered, %s retrying, %s failed",
            total.delivered,
            total.retrying,
            total.failed,
        )
    return total.delivered


@shared_task(name="helpdesk.enqueue_quiet_tickets", ignore_result=True)
def enqueue_quiet_tickets() -> int:
    """Queue memory extraction for tickets that went quiet, and deliver it."""
    queued = mirror_enqueue_quiet()
    if queued:
        deliver_mirror.delay()
    return queued


# A wake-up task that waited this long in the queue is dropped: the periodic
# sweep (celery beat) has delivered its entries by then.
WAKE_EXPIRES_SECONDS = 60.0
# Set while a wake-up task is queued and not yet started (shared caches only).
WAKE_QUEUED_KEY = "helpdesk:mirror:wake-queued"


@receiver(delivery_requested, dispatch_uid="mirror_celery_wake")
def wake(**kwargs: object) -> None:
    """With a broker configured, queue a delivery task.

    Runs after the commit, so the entries are safe whatever happens here: a
    broker that is down costs latency (the sweep delivers them), never the
    caller's request. With a cache shared by all processes (`CACHE_URL`), one
    queued task serves every commit until it starts, instead of one task each.
    """
    if not settings.CELERY_BROKER_URL:
        return
    deduplicate = _cache_is_shared()
    if deduplicate and not _mark_wake_queued():
        return  # a queued task has not started yet: it will claim these entries too
    try:
        deliver_mirror.apply_async(
            expires=WAKE_EXPIRES_SECONDS,
            retry_policy={"max_retries": 1, "interval_start": 0.1, "interval_step": 0.1},
        )
    except Exception as error:
        # The broker's errors vary by transport; none may fail the caller.
        logger.warning("Could not queue mirror delivery (%s); the sweep will deliver", error)
        if deduplicate:
            wake_taken()


def wake_taken() -> None:
    """A delivery task starts: commits from now on need a task of their own.

    Called before the task claims anything, so an entry committed meanwhile is
    either claimed by this task or queues the next one.
    """
    if _cache_is_shared():
        try:
            cache.delete(WAKE_QUEUED_KEY)
        except Exception as error:  # the mark expires by itself
            logger.warning("Could not clear the queued wake-up mark (%s)", error)


def _mark_wake_queued() -> bool:
    """True if no wake-up task was queued yet (or the cache cannot tell)."""
    try:
        return bool(cache.add(WAKE_QUEUED_KEY, 1, timeout=WAKE_EXPIRES_SECONDS))
    except Exception as error:  # the cache's errors vary by backend
        logger.warning("Could not mark the wake-up as queued (%s)", error)
        return True


def _cache_is_shared() -> bool:
    """Whether every process sees the same cache (a per-process one cannot deduplicate)."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))
