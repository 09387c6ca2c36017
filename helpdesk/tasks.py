"""Celery tasks: the same delivery code the in-process worker runs."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from helpdesk.memory import get_backend
from tickets.mirror import (
    DeliveryReport,
    mirror_deliver_due,
    mirror_enqueue_quiet,
    mirror_next_due_at,
)

MAX_PASSES_PER_TASK = 20


@shared_task(name="helpdesk.deliver_mirror", ignore_result=True)
def deliver_mirror() -> int:
    """Deliver what is due; when a try failed, schedule a run for when its retry falls due."""
    mirror_enqueue_quiet()
    total = DeliveryReport()
    for _ in range(MAX_PASSES_PER_TASK):
        report = mirror_deliver_due(get_backend())
        total += report
        if not report.attempted:
            break
    else:
        deliver_mirror.delay()  # more is due than one task should hold on to
    if total.retrying:
        due = mirror_next_due_at()
        if due is not None:
            deliver_mirror.apply_async(countdown=max((due - timezone.now()).total_seconds(), 0.0))
    return total.delivered
