"""The outbox: what leaves after commit (the memory mirror, e-mail, webhooks), one design
for all.

An outbox row is written in the same transaction as its cause and delivered after commit by
a worker (the in-process thread or a Celery task), woken by `request_delivery`. The pieces
every outbox shares live here, app-free, so that each outbox is only what it sends:

- `OutboxRow`: the abstract model of a row's delivery state (state, attempts, when it is
  due, the claim's lease, the last error, when it was delivered).
- `claim_ids`: take due rows for one worker, with a lease and an attempt counted.
- `release_expired_leases`: hand back what a dead worker held; give up after max attempts.
- `failure_fields` / `backoff_seconds`: back off with jitter, or fail for good.
- `wake_backed_off`: after a success, what backed off is due at once.
- `release_ids`: hand back claimed rows that were not sent, as if never claimed.
- `outbox_state`: the health figures (waiting, retrying, failed, the oldest waiting).
- `DeliveryReport`: what a pass did.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Count, F, Min, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 15 * 60
IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters
ERROR_MAX_LENGTH = 2000
WORKER_DIED = "The worker delivering this entry stopped before it finished (its lease ran out)."


# Wake-up: whatever writes outbox rows calls `request_delivery` once its transaction
# commits; the deliverer of this process listens (the in-process worker thread, or, with a
# broker configured, the Celery task queue). A request nobody listens to is dropped.
delivery_requested = Signal()


def request_delivery() -> None:
    """Deliver soon. Runs after the commit: nothing it does may fail the caller."""
    delivery_requested.send(sender=None)


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


UNDELIVERED_STATES = (OutboxState.PENDING, OutboxState.SENDING)


class OutboxRow(models.Model):
    """A row's delivery state; an outbox model adds what it sends and its indexes."""

    State = OutboxState
    UNDELIVERED_STATES = UNDELIVERED_STATES

    state = models.CharField(
        _("state"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        abstract = True


Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            delivered=self.delivered + other.delivered,
            retrying=self.retrying + other.retrying,
            failed=self.failed + other.failed,
        )


def backoff_seconds(attempts: int, *, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Jitter: a random wait between half of and 2^attempts seconds, capped."""
    ceiling = min(cap, 2 ** max(attempts, 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not security)


def error_text(error: BaseException) -> str:
    """An error as kept on the row: its type and message, cut to a readable length."""
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


def release_expired_leases(
    model: type[models.Model], *, now: datetime.datetime, max_attempts: int, label: str
) -> int:
    """Hand back what dead workers held; a row that outlived every attempt has failed.

    Its attempt was counted when it was claimed, so a row that kills each worker that sends
    it (or hangs it past its lease) stops after `max_attempts` instead of taking workers
    down for ever. Returns how many rows failed for good.
    """
    expired = model._default_manager.filter(state=OutboxState.SENDING, lease_expires_at__lt=now)
    given_up = expired.filter(attempts__gte=max_attempts).update(
        state=OutboxState.FAILED, lease_expires_at=None, last_error=WORKER_DIED
    )
    if given_up:
        logger.warning("%s %s failed for good: %s", given_up, label, WORKER_DIED)
    expired.update(state=OutboxState.PENDING, lease_expires_at=None, last_error=WORKER_DIED)
    return given_up


def claim_ids(model: type[models.Model], ids: list[int], lease: datetime.datetime) -> list[int]:
    """Claim those of `ids` that are still pending for this worker; the ids won, in order.

    Call in a transaction: the rows are locked first (PostgreSQL: rows another worker holds
    are skipped; SQLite: the transaction holds the write lock), so the UPDATE takes exactly
    the rows read. Each claim counts an attempt and holds the row until `lease`.
    """
    manager = model._default_manager
    won: list[int] = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start : start + IDS_PER_QUERY]
        taken = list(
            manager.select_for_update(skip_locked=True)
            .filter(id__in=chunk, state=OutboxState.PENDING)
            .order_by("id")
            .values_list("id", flat=True)
        )
        manager.filter(id__in=taken).update(
            state=OutboxState.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1
        )
        won += taken
    return sorted(won)


def claim_due(
    model: type[Row],
    *,
    limit: int,
    lease_seconds: float,
    max_attempts: int,
    label: str,
    related: tuple[str, ...] = (),
) -> list[Row]:
    """Claim up to `limit` due rows of an outbox whose rows are independent of each other
    (no order to keep between them), oldest first, after handing back expired leases; the
    rows come with their `related` objects (`select_related`)."""
    now = timezone.now()
    release_expired_leases(model, now=now, max_attempts=max_attempts, label=label)
    due = list(
        model._default_manager.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    lease = now + datetime.timedelta(seconds=lease_seconds)
    with transaction.atomic():
        won = claim_ids(model, due, lease)
    rows = model._default_manager.filter(id__in=won).select_related(*related)
    return list(rows.order_by("id"))


def hand_back_if_stopping(
    model: type[Row],
    rows: list[Row],
    index: int,
    *,
    deadline: float | None,
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Before sending `rows[index]`: when out of time, told to stop, or the claim's lease
    has run out (another worker may hold the row now), hand that row and the rest back
    untouched and say so; never start a row in those cases."""
    row = rows[index]
    out_of_time = deadline is not None and time.monotonic() >= deadline
    lease = row.lease_expires_at  # type: ignore[attr-defined]  # an OutboxRow
    lease_over = lease is not None and timezone.now() >= lease
    if not (out_of_time or lease_over or (should_stop is not None and should_stop())):
        return False
    release_ids(model, [left.pk for left in rows[index:]], lease)
    return True


def release_ids(model: type[models.Model], ids: list[int], lease: datetime.datetime | None) -> None:
    """Hand back rows this claim (its `lease`) holds and did not send, uncounted."""
    for start in range(0, len(ids), IDS_PER_QUERY):
        model._default_manager.filter(
            id__in=ids[start : start + IDS_PER_QUERY],
            state=OutboxState.SENDING,
            lease_expires_at=lease,
        ).update(state=OutboxState.PENDING, lease_expires_at=None, attempts=F("attempts") - 1)


def failure_fields(
    *,
    attempts: int,
    error: BaseException,
    retryable: bool,
    max_attempts: int,
    retry_after: float | None = None,
    now: datetime.datetime | None = None,
    message: str = "",
) -> tuple[bool, dict[str, Any]]:
    """What a failed try writes on its row: (gave up, fields to update).

    A retryable error backs off (`backoff_seconds`, or longer if the other side asked for
    it) until `max_attempts` tries were made; anything else fails for good, its error kept
    (as `message` says it, else its type and text).
    """
    message = message[:ERROR_MAX_LENGTH] or error_text(error)
    if not retryable or attempts >= max_attempts:
        return True, {"state": OutboxState.FAILED, "last_error": message, "lease_expires_at": None}
    wait = max(backoff_seconds(attempts), retry_after or 0.0)
    return False, {
        "state": OutboxState.PENDING,
        "last_error": message,
        "lease_expires_at": None,
        "next_attempt_at": (now or timezone.now()) + datetime.timedelta(seconds=wait),
    }


def record_failure(
    row: OutboxRow,
    error: BaseException,
    *,
    retryable: bool,
    max_attempts: int,
    label: str,
    retry_after: float | None = None,
    message: str = "",
) -> DeliveryReport:
    """Write down a failed try of one claimed row."""
    gave_up, fields = failure_fields(
        attempts=row.attempts,
        error=error,
        retryable=retryable,
        max_attempts=max_attempts,
        retry_after=retry_after,
        message=message,
    )
    # Only while the claim is still ours: a worker that took the row over after our lease
    # ran out is not undone.
    type(row)._default_manager.filter(
        pk=row.pk, state=OutboxState.SENDING, lease_expires_at=row.lease_expires_at
    ).update(**fields)
    if gave_up:
        logger.warning("%s %s failed for good: %s", label, row.pk, fields["last_error"])
        return DeliveryReport(failed=1)
    logger.info("%s %s will retry: %s", label, row.pk, fields["last_error"])
    return DeliveryReport(retrying=1)


def record_delivered(row: OutboxRow, **extra: Any) -> DeliveryReport:
    """Write down that one claimed row went out (whoever holds it now: it did go out)."""
    type(row)._default_manager.filter(pk=row.pk).update(
        state=OutboxState.DELIVERED,
        delivered_at=timezone.now(),
        lease_expires_at=None,
        last_error="",
        **extra,
    )
    return DeliveryReport(delivered=1)


def wake_backed_off(
    model: type[models.Model], *, now: datetime.datetime, label: str, where: Q | None = None
) -> int:
    """A row that had failed went through: the other side is back, so stop waiting.

    `where` narrows it to the rows that go to that other side (one webhook subscriber)."""
    rows = model._default_manager.filter(
        state=OutboxState.PENDING, attempts__gt=0, next_attempt_at__gt=now
    )
    if where is not None:
        rows = rows.filter(where)
    woken = rows.update(next_attempt_at=now)
    if woken:
        logger.info("%s answers again; %s backed-off rows are due now", label, woken)
    return woken


def next_due_at(model: type[models.Model]) -> datetime.datetime | None:
    """When a row may next be claimed: a pending row falls due or a lease runs out."""
    rows = model._default_manager
    due = rows.filter(state=OutboxState.PENDING).aggregate(due=Min("next_attempt_at"))["due"]
    lease = rows.filter(state=OutboxState.SENDING).aggregate(lease=Min("lease_expires_at"))["lease"]
    times = [moment for moment in (due, lease) if moment is not None]
    return min(times) if times else None


def retry_failed(rows: models.QuerySet[Any]) -> int:
    """Put failed rows back in the queue, due now, with a fresh count of tries."""
    return rows.filter(state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_expires_at=None
    )


@dataclass(frozen=True)
class OutboxFigures:
    """How far an outbox has got: what waits, retries or failed, and the last error."""

    pending: int
    failed: int
    oldest_pending_at: datetime.datetime | None
    last_error: str
    # Pending rows with at least one failed try behind them.
    retrying: int = 0

    @property
    def oldest_pending_age_seconds(self) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return round((timezone.now() - self.oldest_pending_at).total_seconds(), 1)

    def as_health(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "retrying": self.retrying,
            "failed": self.failed,
            "oldest_pending_age_seconds": self.oldest_pending_age_seconds,
        }


def outbox_state(rows: models.QuerySet[Any]) -> OutboxFigures:
    """The figures of these outbox rows (all of an outbox, or a ticket's, a customer's)."""
    rows = rows.filter(state__in=[*UNDELIVERED_STATES, OutboxState.FAILED])
    undelivered = Q(state__in=UNDELIVERED_STATES)
    totals = rows.aggregate(
        pending=Count("id", filter=undelivered),
        retrying=Count("id", filter=Q(state=OutboxState.PENDING, attempts__gt=0)),
        failed=Count("id", filter=Q(state=OutboxState.FAILED)),
        oldest=Min("created_at", filter=undelivered),
    )
    last_error = None
    if totals["failed"] or totals["retrying"]:  # else no row has an error worth showing
        last_error = (
            rows.exclude(last_error="").order_by("-id").values_list("last_error", flat=True).first()
        )
    return OutboxFigures(
        pending=totals["pending"],
        failed=totals["failed"],
        oldest_pending_at=totals["oldest"],
        last_error=last_error or "",
        retrying=totals["retrying"],
    )
