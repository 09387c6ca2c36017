"""Deliver mirror entries to the memory backend: claimed safely, in order per ticket, once.

A worker claims the oldest due entry of each ticket with a conditional update
(the row count says whether it won), sends it, and marks it delivered. An
entry whose worker died mid-way is claimed again when its lease expires; the
backends deduplicate by the message's stable id, so a resend is harmless and a
"duplicate" answer counts as delivered. A worker never starts sending an entry
whose lease has run out, and hands back the entries it claimed but will not
send (told to stop, or out of time). Retryable failures back off
exponentially with jitter, capped at 15 minutes; after `MIRROR_MAX_ATTEMPTS`
tries (20 by default: at least 80 minutes of outage), or at once for errors
that no retry can fix (and any error that is no MemoryBackendError: one bad entry
fails alone, the pass goes on), the entry is `failed` with its error kept. The first
success after failures makes every backed-off entry due again, so a backlog
drains as soon as the backend is back.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from helpdesk.memory.backends.base import BatchDelivery, MemoryBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.events import message_event, mirror_send
from helpdesk.memory.types import DeliveryOutcome, MemoryBackendError
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

State = MirrorEntry.State
MAX_BACKOFF_SECONDS = 15 * 60


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


def backoff_seconds(attempts: int) -> float:
    """Full jitter: a random wait up to 2^attempts seconds, capped."""
    ceiling = min(MAX_BACKOFF_SECONDS, 2 ** max(attempts, 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not security)


WORKER_DIED = "The worker delivering this entry stopped before it finished (its lease ran out)."


def _release_expired_leases(now: datetime.datetime) -> None:
    """Hand back what dead workers held; an entry that outlived every attempt has failed.

    Its attempt was counted when it was claimed, so an entry that kills each worker that
    sends it (or hangs it past its lease) stops after MIRROR_MAX_ATTEMPTS instead of
    taking workers down for ever. It stays visible as failed; `sync_memory --retry-failed`
    or the admin's retry action sends it again.
    """
    expired = MirrorEntry.objects.filter(state=State.SENDING, lease_expires_at__lt=now)
    given_up = expired.filter(attempts__gte=settings.MIRROR_MAX_ATTEMPTS).update(
        state=State.FAILED, lease_expires_at=None, last_error=WORKER_DIED
    )
    if given_up:
        logger.warning("%s mirror entries failed for good: %s", given_up, WORKER_DIED)
    expired.update(state=State.PENDING, lease_expires_at=None, last_error=WORKER_DIED)


def _heads() -> QuerySet[MirrorEntry]:
    """Pending entries that have no earlier undelivered entry on their ticket."""
    earlier = MirrorEntry.objects.filter(
        ticket=OuterRef("ticket"), id__lt=OuterRef("id"), state__in=MirrorEntry.UNDELIVERED_STATES
    )
    return MirrorEntry.objects.filter(state=State.PENDING).exclude(Exists(earlier))


def _due_heads(now: datetime.datetime, limit: int) -> list[int]:
    """Ids of due entries that have no earlier undelivered entry on their ticket."""
    heads = _heads().filter(next_attempt_at__lte=now)
    return list(heads.order_by("id").values_list("id", flat=True)[:limit])


def mirror_claim(
    *, limit: int = 50, now: datetime.datetime | None = None, batch_limit: int = 1
) -> list[MirrorEntry]:
    """Claim up to `limit` due entries, at most one per ticket, for this worker; with a
    `batch_limit` over 1, a message head comes with the pending messages that follow it on
    its ticket (up to `batch_limit` in all, stopping at any other kind of entry)."""
    now = now or timezone.now()
    _release_expired_leases(now)
    lease = now + datetime.timedelta(seconds=settings.MIRROR_LEASE_SECONDS)
    claimed = []
    for entry_id in _due_heads(now, limit):
        won = MirrorEntry.objects.filter(id=entry_id, state=State.PENDING).update(
            state=State.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1
        )
        if won:
            claimed.append(entry_id)
            if batch_limit > 1:
                claimed += _claim_followers(entry_id, lease, batch_limit - 1)
    return list(
        MirrorEntry.objects.filter(id__in=claimed)
        .select_related("ticket__customer", "message__author")
        .order_by("id")
    )


def _claim_followers(head_id: int, lease: datetime.datetime, limit: int) -> list[int]:
    """The pending messages right after a message head on its ticket, claimed in order."""
    head = MirrorEntry.objects.filter(id=head_id).values("ticket_id", "kind").first()
    if head is None or head["kind"] != MirrorEntry.Kind.MESSAGE:
        return []
    later = (
        MirrorEntry.objects.filter(ticket_id=head["ticket_id"], id__gt=head_id)
        .exclude(state=State.DELIVERED)
        .order_by("id")
        .values_list("id", "kind", "state")[:limit]
    )
    run = []
    for entry_id, kind, state in later:
        if kind != MirrorEntry.Kind.MESSAGE or state != State.PENDING:
            break
        run.append(entry_id)
    won = []
    for entry_id in run:  # one by one: another worker may not take the middle of a run
        if not MirrorEntry.objects.filter(id=entry_id, state=State.PENDING).update(
            state=State.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1
        ):
            break
        won.append(entry_id)
    return won


def _runs(entries: list[MirrorEntry]) -> list[list[MirrorEntry]]:
    """Claimed entries in id order, a ticket's consecutive messages grouped together."""
    runs: list[list[MirrorEntry]] = []
    by_ticket: dict[int, list[MirrorEntry]] = {}
    for entry in entries:
        run = by_ticket.get(entry.ticket_id) if entry.ticket_id is not None else None
        if run is not None and entry.kind == run[-1].kind == MirrorEntry.Kind.MESSAGE:
            run.append(entry)
            continue
        run = [entry]
        runs.append(run)
        if entry.ticket_id is not None:
            by_ticket[entry.ticket_id] = run
    return runs


def mirror_deliver_batch(entries: list[MirrorEntry], backend: BatchDelivery) -> DeliveryReport:
    """Send one ticket's claimed messages in one call and record each one.

    A retryable failure backs off the first entry and hands back the others (they wait
    behind it). A failure that no retry fixes (a 422 rejects the whole batch) sends them
    one by one instead, so that only the bad one fails.
    """
    try:
        outcomes = backend.deliver_messages(
            [message_event(entry) for entry in entries],
            maybe_sent=any(entry.attempts > 1 for entry in entries),
        )
    except MemoryBackendError as error:
        if error.retryable:
            _release(entries[1:])
            return _record_failure(entries[0], error)
        report = DeliveryReport()
        for entry in entries:
            report += mirror_deliver(entry, backend)  # type: ignore[arg-type]  # also a MemoryBackend
        return report
    now = timezone.now()
    for outcome in set(outcomes):
        for verify in (False, True):
            chosen = [
                entry.id
                for entry, result in zip(entries, outcomes, strict=True)
                if result == outcome
                and verify == (outcome == DeliveryOutcome.DUPLICATE and entry.attempts > 1)
            ]
            if chosen:
                MirrorEntry.objects.filter(id__in=chosen).update(
                    state=State.DELIVERED,
                    outcome=outcome.value,
                    delivered_at=now,
                    lease_expires_at=None,
                    needs_verification=verify,
                )
    if any(entry.attempts > 1 for entry in entries):
        _retry_backed_off_now(now)
    return DeliveryReport(delivered=len(entries))


def mirror_deliver(entry: MirrorEntry, backend: MemoryBackend) -> DeliveryReport:
    """Send one claimed entry and record what happened.

    Whatever sending raises is this entry's failure, so one bad entry cannot stop a pass
    and strand the others it claimed; only a lost database connection stops the pass,
    for its caller to reconnect."""
    try:
        outcome = mirror_send(entry, backend)
    except MemoryBackendError as error:
        return _record_failure(entry, error)
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.exception("Mirror entry %s raised an unexpected error", entry.id)
        return _record_failure(entry, error)
    now = timezone.now()
    _record(
        entry.id,
        state=State.DELIVERED,
        outcome=outcome.value,
        delivered_at=now,
        lease_expires_at=None,
        # A "duplicate" after an earlier failed try may hide a message the
        # backend recorded but never processed.
        needs_verification=outcome == DeliveryOutcome.DUPLICATE and entry.attempts > 1,
    )
    if entry.attempts > 1:
        _retry_backed_off_now(now)
    return DeliveryReport(delivered=1)


def _record(entry_id: int, *, sending_only: bool = False, **fields: Any) -> None:
    """Write down what a send did. The send already happened, so a database connection
    that dropped meanwhile (a restart, a failover) gets one reconnect rather than
    leaving the entry to be resent when its lease runs out."""
    entries = MirrorEntry.objects.filter(id=entry_id)
    if sending_only:  # a failure must not undo another worker's delivery after our lease
        entries = entries.filter(state=State.SENDING)
    try:
        entries.update(**fields)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning(
            "Lost the database connection recording mirror entry %s; reconnecting", entry_id
        )
        connection.close()
        entries.update(**fields)


def _retry_backed_off_now(now: datetime.datetime) -> None:
    """An entry that had failed went through: the backend is back, so stop waiting."""
    woken = MirrorEntry.objects.filter(
        state=State.PENDING, attempts__gt=0, next_attempt_at__gt=now
    ).update(next_attempt_at=now)
    if woken:
        logger.info("The memory backend answers again; %s backed-off entries are due now", woken)


def _record_failure(entry: MirrorEntry, error: Exception) -> DeliveryReport:
    """Back off, or fail for good; an error that is no MemoryBackendError is not retryable."""
    message = f"{type(error).__name__}: {error}"[:2000]
    retryable = isinstance(error, MemoryBackendError) and error.retryable
    gives_up = not retryable or entry.attempts >= settings.MIRROR_MAX_ATTEMPTS
    if gives_up:
        _record(
            entry.id,
            sending_only=True,
            state=State.FAILED,
            last_error=message,
            lease_expires_at=None,
        )
        logger.warning("Mirror entry %s failed for good: %s", entry.id, message)
        return DeliveryReport(failed=1)
    retry_after = error.retry_after if isinstance(error, MemoryBackendError) else None
    wait = max(backoff_seconds(entry.attempts), retry_after or 0.0)
    _record(
        entry.id,
        sending_only=True,
        state=State.PENDING,
        last_error=message,
        lease_expires_at=None,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=wait),
    )
    logger.info("Mirror entry %s will retry in %.1fs: %s", entry.id, wait, message)
    return DeliveryReport(retrying=1)


def mirror_deliver_entry(*, entry_id: int, backend: MemoryBackend) -> DeliveryReport:
    """Deliver one customer-level entry now, if it is due and no worker holds it.

    For commands that want the answer at once; a worker delivers it otherwise.
    """
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.MIRROR_LEASE_SECONDS)
    won = MirrorEntry.objects.filter(
        id=entry_id, ticket__isnull=True, state=State.PENDING, next_attempt_at__lte=now
    ).update(state=State.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1)
    if not won:
        return DeliveryReport()
    return mirror_deliver(MirrorEntry.objects.get(id=entry_id), backend)


def mirror_deliver_due(
    backend: MemoryBackend,
    *,
    limit: int = 50,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """One pass: claim what is due and deliver it, in id order.

    Stops early, after the entry in hand, once `should_stop()` says so, the
    monotonic `deadline` has passed or the claim's lease has run out; entries
    claimed but not sent go back to the queue unchanged.
    """
    report = DeliveryReport()
    batches = isinstance(backend, BatchDelivery)
    limit_per_batch = backend.batch_limit if isinstance(backend, BatchDelivery) else 1
    runs = _runs(mirror_claim(limit=limit, batch_limit=limit_per_batch))
    for index, run in enumerate(runs):
        entry = run[0]
        out_of_time = deadline is not None and time.monotonic() >= deadline
        lease_over = entry.lease_expires_at is not None and timezone.now() >= entry.lease_expires_at
        if out_of_time or lease_over or (should_stop is not None and should_stop()):
            _release([held for later in runs[index:] for held in later])
            break
        if batches and entry.kind == MirrorEntry.Kind.MESSAGE:
            report += mirror_deliver_batch(run, backend)  # type: ignore[arg-type]  # BatchDelivery
        else:
            report += mirror_deliver(entry, backend)
    return report


def _release(entries: list[MirrorEntry]) -> None:
    """Hand back claimed entries that were not sent, as if they had never been claimed."""
    for entry in entries:
        MirrorEntry.objects.filter(
            id=entry.id, state=State.SENDING, lease_expires_at=entry.lease_expires_at
        ).update(state=State.PENDING, lease_expires_at=None, attempts=F("attempts") - 1)


def mirror_next_due_at() -> datetime.datetime | None:
    """When something may next be claimed: a ticket's first pending entry falls due, or
    the lease of an entry a worker died holding runs out. Entries queued behind an
    earlier one of their ticket do not count, so a backed-off ticket is not polled."""
    due = _heads().aggregate(due=Min("next_attempt_at"))["due"]
    lease = MirrorEntry.objects.filter(state=State.SENDING).aggregate(
        lease=Min("lease_expires_at")
    )["lease"]
    times = [moment for moment in (due, lease) if moment is not None]
    return min(times) if times else None


@transaction.atomic
def mirror_retry(entries: QuerySet[MirrorEntry]) -> int:
    """Put failed entries back in the queue, due now, with a fresh count of tries."""
    return entries.filter(state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_expires_at=None
    )


def mirror_enqueue_quiet(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue extraction for open tickets with no message for `MEMORY_QUIET_MINUTES`.

    A ticket is queued once per quiet spell: the entry is newer than its last
    message until someone writes again.
    """
    if settings.MEMORY_QUIET_MINUTES <= 0:
        return 0
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.MEMORY_QUIET_MINUTES)
    marked = MirrorEntry.objects.filter(
        ticket=OuterRef("pk"),
        kind__in=[MirrorEntry.Kind.TICKET_QUIET, MirrorEntry.Kind.TICKET_CLOSED],
        created_at__gt=OuterRef("last_message_at"),
    )
    newest = Message.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
    quiet = (
        Ticket.objects.filter(status__in=Ticket.ACTIVE_STATUSES, last_message_at__lt=cutoff)
        .annotate(last_message=Subquery(newest.values("pk")[:1]))
        .filter(last_message__isnull=False)
        .exclude(Exists(marked))
        .order_by("last_message_at")[:limit]
    )
    entries = [
        MirrorEntry(
            ticket=ticket,
            customer_id=ticket.customer_id,
            kind=MirrorEntry.Kind.TICKET_QUIET,
            payload={
                "last_message": ticket.last_message,
                "quiet_since": ticket.last_message_at.isoformat(),
            },
            created_at=now,
        )
        for ticket in quiet
    ]
    return len(MirrorEntry.objects.bulk_create(entries))
