"""Celery tasks: the same delivery code the in-process worker runs.

`deliver_mirror` is sent after every commit that wrote mirror entries (see
`helpdesk.memory.worker.wake`) and by beat every `MIRROR_SWEEP_SECONDS`, which picks
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

from helpdesk.memory import worker
from helpdesk.memory.backends import get_backend
from helpdesk.memory.services.mirror import DeliveryReport, mirror_deliver_due, mirror_enqueue_quiet

logger = logging.getLogger(__name__)


@shared_task(name="helpdesk.deliver_mirror", ignore_result=True)
def deliver_mirror() -> int:
    """Deliver what is due now; if time runs out first, queue a task for the rest."""
    worker.wake_taken()
    deadline = time.monotonic() + settings.MIRROR_TASK_SECONDS
    backend = get_backend()
    total = DeliveryReport()
    while True:
        if time.monotonic() >= deadline:
            deliver_mirror.apply_async(expires=settings.MIRROR_SWEEP_SECONDS * 6)
            break
        report = mirror_deliver_due(backend, deadline=deadline)
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
