"""Deliver mirror entries to the memory backend: claimed safely, in order per ticket, once.

A worker claims the oldest due entry of each ticket (and, for a batch backend, the
messages that follow it) in a transaction that locks the rows it reads and updates just
those, sends them, and marks them delivered. An
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, Min, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from helpdesk.memory.backends.base import BatchDelivery, MemoryBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.events import message_events, mirror_send
from helpdesk.memory.types import DeliveryOutcome, MemoryBackendError, MessagePosted
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

State = MirrorEntry.State
Kind = MirrorEntry.Kind
_CLOSING_KINDS = (Kind.TICKET_CLOSED, Kind.TICKET_QUIET)
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
    *,
    limit: int = 50,
    now: datetime.datetime | None = None,
    batch_limit: int = 1,
    whole_tickets: bool = False,
) -> list[MirrorEntry]:
    """Claim up to `limit` due entries, at most one per ticket, for this worker; with a
    `batch_limit` over 1, a message head comes with the pending messages that follow it on
    its ticket (up to `batch_limit` in all, stopping at any other kind of entry). With
    `whole_tickets` too (a backend that registers the group with its messages), an opened
    head takes the messages after it as well, and a closing (or quiet) entry right after
    the messages ends the run.

    Set-based: the heads are read once, then locked and taken in one UPDATE, their
    followers likewise (a few queries per pass, whatever the number of entries)."""
    now = now or timezone.now()
    _release_expired_leases(now)
    lease = now + datetime.timedelta(seconds=settings.MIRROR_LEASE_SECONDS)
    candidates = _due_heads(now, limit)
    with transaction.atomic():
        heads = _take(candidates, lease)
        claimed = heads + (
            _claim_followers(heads, lease, batch_limit - 1, whole_tickets=whole_tickets)
            if batch_limit > 1
            else []
        )
    return list(
        MirrorEntry.objects.filter(id__in=claimed)
        .select_related("ticket__customer", "message__author")
        .order_by("id")
    )


_IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


def _take(entry_ids: list[int], lease: datetime.datetime) -> list[int]:
    """Claim those of `entry_ids` that are still pending; returns the ids won, in order.

    Call in a transaction: the rows are locked first (PostgreSQL: rows another worker
    holds are skipped; SQLite: the transaction holds the write lock), so the UPDATE takes
    exactly the rows read."""
    won: list[int] = []
    for start in range(0, len(entry_ids), _IDS_PER_QUERY):
        chunk = entry_ids[start : start + _IDS_PER_QUERY]
        ids = list(
            MirrorEntry.objects.select_for_update(skip_locked=True)
            .filter(id__in=chunk, state=State.PENDING)
            .order_by("id")
            .values_list("id", flat=True)
        )
        MirrorEntry.objects.filter(id__in=ids).update(
            state=State.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1
        )
        won += ids
    return sorted(won)


def _claim_followers(
    head_ids: list[int], lease: datetime.datetime, limit: int, *, whole_tickets: bool = False
) -> list[int]:
    """The pending messages right after each message head on its ticket, claimed in order:
    one read for all the heads' tickets, one UPDATE. Another worker may not take the middle
    of a run: a run is cut at the first entry not won, and what was won after it is handed
    back. `whole_tickets`: opened heads take followers too, and a closing or quiet entry
    may end a run (see `mirror_claim`)."""
    head_kinds = [Kind.MESSAGE, Kind.TICKET_OPENED] if whole_tickets else [Kind.MESSAGE]
    heads = dict(
        MirrorEntry.objects.filter(id__in=head_ids, kind__in=head_kinds).values_list(
            "ticket_id", "id"
        )
    )
    if not heads:
        return []
    # Each ticket's first `limit + 1` undelivered entries: its head and what follows it (an
    # earlier failed entry takes a place too and only shortens the batch).
    later = (
        MirrorEntry.objects.filter(ticket_id__in=list(heads))
        .exclude(state=State.DELIVERED)
        .annotate(position=Window(RowNumber(), partition_by=F("ticket_id"), order_by=F("id").asc()))
        .filter(position__lte=limit + 2)
        .order_by("ticket_id", "id")
        .values_list("id", "ticket_id", "kind", "state")
    )
    runs: dict[int, list[int]] = {}
    stopped: set[int] = set()
    for entry_id, ticket_id, kind, state in later:
        if entry_id <= heads[ticket_id] or ticket_id in stopped:
            continue
        run = runs.setdefault(ticket_id, [])
        if state != State.PENDING:
            stopped.add(ticket_id)
            continue
        if kind != Kind.MESSAGE or len(run) >= limit:
            stopped.add(ticket_id)
            if whole_tickets and kind in _CLOSING_KINDS and run:
                run.append(entry_id)
            continue
        run.append(entry_id)
    won = set(_take([entry_id for run in runs.values() for entry_id in run], lease))
    kept: list[int] = []
    handed_back: list[int] = []
    for run in runs.values():
        cut = next((index for index, entry_id in enumerate(run) if entry_id not in won), len(run))
        kept += run[:cut]
        handed_back += [entry_id for entry_id in run[cut:] if entry_id in won]
    if handed_back:
        _release_ids(handed_back, lease)
    return kept


def _runs(entries: list[MirrorEntry]) -> list[list[MirrorEntry]]:
    """Claimed entries in id order, a ticket's entries grouped together (a claim holds one
    run per ticket: its head and the followers claimed with it)."""
    runs: list[list[MirrorEntry]] = []
    by_ticket: dict[int, list[MirrorEntry]] = {}
    for entry in entries:
        run = by_ticket.get(entry.ticket_id) if entry.ticket_id is not None else None
        if run is not None:
            run.append(entry)
            continue
        run = [entry]
        runs.append(run)
        if entry.ticket_id is not None:
            by_ticket[entry.ticket_id] = run
    return runs


def _folds_opened(backend: object) -> bool:
    """A batch backend that registers the group with its messages (EverMemOS v1's
    `group_meta`): a ticket's opened entry then needs no call of its own."""
    return isinstance(backend, BatchDelivery) and bool(
        getattr(backend, "registers_group_with_messages", False)
    )


def _deliver_run(run: list[MirrorEntry], backend: MemoryBackend) -> DeliveryReport:
    """One ticket's claimed run, in order. For a batch backend, its messages (with the
    opened entry before them when the backend registers the group with them) in one call,
    then a closing entry after them; otherwise one entry, or each in turn, handing back
    what follows an entry that was not delivered."""
    messages = [entry for entry in run if entry.kind == Kind.MESSAGE]
    if not messages or not isinstance(backend, BatchDelivery):
        return _deliver_each(run, backend)
    batch = run[: run.index(messages[-1]) + 1]
    rest = run[len(batch) :]
    if batch[0].kind == Kind.TICKET_OPENED and not _folds_opened(backend):
        report = mirror_deliver(batch[0], backend)
        if not report.delivered:
            _release(run[1:])
            return report
        batch = batch[1:]
    report = mirror_deliver_batch(batch, backend)
    if not rest:
        return report
    lease = rest[0].lease_expires_at
    if report.delivered < len(batch) or (lease is not None and timezone.now() >= lease):
        _release(rest)
        return report
    return report + _deliver_each(rest, backend)


def _deliver_each(run: list[MirrorEntry], backend: MemoryBackend) -> DeliveryReport:
    report = DeliveryReport()
    for index, entry in enumerate(run):
        lease = entry.lease_expires_at
        if index and lease is not None and timezone.now() >= lease:
            _release(run[index:])
            break
        outcome = mirror_deliver(entry, backend)
        report += outcome
        if not outcome.delivered:
            _release(run[index + 1 :])
            break
    return report


def mirror_deliver_batch(entries: list[MirrorEntry], backend: BatchDelivery) -> DeliveryReport:
    """Send one ticket's claimed messages in one call and record each one (an opened entry
    first among them when the backend registers the group with its messages).

    A retryable failure backs off the first entry and hands back the others (they wait
    behind it). A failure that no retry fixes (a 422 rejects the whole batch) sends them
    one by one instead, so that only the bad one fails.
    """
    messages = [entry for entry in entries if entry.kind == Kind.MESSAGE]
    # A batch whose first entry was tried before (the opened entry too: the messages went
    # with it) may have reached the backend.
    maybe_sent = any(entry.attempts > 1 for entry in entries)
    try:
        outcomes = backend.deliver_messages(message_events(messages), maybe_sent=maybe_sent)
    except MemoryBackendError as error:
        if error.retryable:
            _release(entries[1:])
            return _record_failure(entries[0], error)
        report = DeliveryReport()
        for entry in entries:
            report += mirror_deliver(entry, backend)  # type: ignore[arg-type]  # also a MemoryBackend
        return report
    return _record_batch(entries, messages, outcomes, maybe_sent=maybe_sent)


def _record_batch(
    entries: list[MirrorEntry],
    messages: list[MirrorEntry],
    outcomes: list[DeliveryOutcome],
    *,
    maybe_sent: bool,
) -> DeliveryReport:
    """Mark a sent batch delivered: one UPDATE per outcome (the opened entry with them)."""
    now = timezone.now()
    results = dict(zip((entry.id for entry in messages), outcomes, strict=True))
    by_outcome: dict[tuple[DeliveryOutcome, bool], list[int]] = {}
    for entry in entries:
        outcome = results.get(entry.id, DeliveryOutcome.DELIVERED)
        # A "duplicate" after an earlier failed try may hide a message the backend
        # recorded but never processed.
        verify = outcome == DeliveryOutcome.DUPLICATE and maybe_sent
        by_outcome.setdefault((outcome, verify), []).append(entry.id)
    for (outcome, verify), chosen in by_outcome.items():
        for start in range(0, len(chosen), _IDS_PER_QUERY):
            MirrorEntry.objects.filter(id__in=chosen[start : start + _IDS_PER_QUERY]).update(
                state=State.DELIVERED,
                outcome=outcome.value,
                delivered_at=now,
                lease_expires_at=None,
                needs_verification=verify,
            )
    if maybe_sent:
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
    return _record_sent(entry, outcome)


def _record_sent(entry: MirrorEntry, outcome: DeliveryOutcome) -> DeliveryReport:
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
    limit_per_batch = backend.batch_limit if isinstance(backend, BatchDelivery) else 1
    claimed = mirror_claim(
        limit=limit, batch_limit=limit_per_batch, whole_tickets=_folds_opened(backend)
    )
    runs = _runs(claimed)
    if _folds_opened(backend) and len(runs) > 1:
        return _deliver_runs_in_parallel(
            runs,
            backend,
            deadline=deadline,
            should_stop=should_stop,
        )
    for index, run in enumerate(runs):
        entry = run[0]
        out_of_time = deadline is not None and time.monotonic() >= deadline
        lease_over = entry.lease_expires_at is not None and timezone.now() >= entry.lease_expires_at
        if out_of_time or lease_over or (should_stop is not None and should_stop()):
            _release([held for later in runs[index:] for held in later])
            break
        report += _deliver_run(run, backend)
    return report


SEND_THREADS = 4  # tickets whose requests are in flight at once (a v1 pass)


@dataclass
class _Sent:
    """What sending one ticket's run did; recorded afterwards, in the worker's thread."""

    skipped: bool = False  # not sent: told to stop, out of time, or the lease ran out
    outcomes: list[DeliveryOutcome] | None = None
    error: MemoryBackendError | None = None
    closing: DeliveryOutcome | None = None
    closing_error: Exception | None = None
    closing_skipped: bool = False


def _deliver_runs_in_parallel(
    runs: list[list[MirrorEntry]],
    backend: MemoryBackend,
    *,
    deadline: float | None,
    should_stop: Callable[[], bool] | None,
) -> DeliveryReport:
    """A pass for a backend that takes a ticket's opened entry, messages and closing in two
    calls (EverMemOS v1): `SEND_THREADS` tickets in flight at once. Each ticket's calls
    are made in order by one thread; only HTTP happens in the threads, every database
    write in this one, in id order, once all the sends have come back."""

    def over(run: list[MirrorEntry]) -> bool:
        lease = run[0].lease_expires_at
        return (
            (deadline is not None and time.monotonic() >= deadline)
            or (lease is not None and timezone.now() >= lease)
            or (should_stop is not None and should_stop())
        )

    def send(
        batch: list[MirrorEntry],
        events: list[MessagePosted],
        rest: list[MirrorEntry],
        maybe_sent: bool,
    ) -> _Sent:
        if over(batch):
            return _Sent(skipped=True)
        try:
            outcomes = backend.deliver_messages(events, maybe_sent=maybe_sent)  # type: ignore[attr-defined]
        except MemoryBackendError as error:
            return _Sent(error=error)
        sent = _Sent(outcomes=outcomes)
        if rest:
            if over(rest):
                sent.closing_skipped = True
                return sent
            try:
                sent.closing = mirror_send(rest[0], backend)
            except Exception as error:  # recorded as this entry's failure, as `mirror_deliver`
                sent.closing_error = error
        return sent

    report = DeliveryReport()
    jobs: list[tuple[list[MirrorEntry], list[MirrorEntry], list[MirrorEntry], bool, Any]] = []
    with ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="mirror-send") as pool:
        for run in runs:
            messages = [entry for entry in run if entry.kind == Kind.MESSAGE]
            if not messages or len(run) > len(messages) + 2:
                jobs.append((run, [], [], False, None))  # sent in this thread, below
                continue
            batch = run[: run.index(messages[-1]) + 1]
            rest = run[len(batch) :]
            maybe_sent = any(entry.attempts > 1 for entry in batch)
            events = message_events(messages)
            jobs.append(
                (run, batch, rest, maybe_sent, pool.submit(send, batch, events, rest, maybe_sent))
            )
        for run, batch, rest, maybe_sent, future in jobs:
            if future is None:
                if over(run):
                    _release(run)
                else:
                    report += _deliver_run(run, backend)
                continue
            report += _record_run(batch, rest, maybe_sent, future.result(), backend)
    return report


def _record_run(
    batch: list[MirrorEntry],
    rest: list[MirrorEntry],
    maybe_sent: bool,
    sent: _Sent,
    backend: MemoryBackend,
) -> DeliveryReport:
    if sent.skipped:
        _release(batch + rest)
        return DeliveryReport()
    if sent.error is not None:
        if sent.error.retryable:
            _release(batch[1:] + rest)
            return _record_failure(batch[0], sent.error)
        report = DeliveryReport()
        for entry in batch:  # a 422 rejects the whole batch: one by one, only the bad one fails
            report += mirror_deliver(entry, backend)
        if report.delivered < len(batch):
            _release(rest)
            return report
        return report + _deliver_each(rest, backend)
    assert sent.outcomes is not None  # noqa: S101  # sent without an error
    messages = [entry for entry in batch if entry.kind == Kind.MESSAGE]
    report = _record_batch(batch, messages, sent.outcomes, maybe_sent=maybe_sent)
    if not rest:
        return report
    if sent.closing_skipped:
        _release(rest)
        return report
    if sent.closing_error is not None:
        error = sent.closing_error
        if not isinstance(error, MemoryBackendError):
            logger.error("Mirror entry %s raised an unexpected error: %r", rest[0].id, error)
        return report + _record_failure(rest[0], error)
    assert sent.closing is not None  # noqa: S101  # sent without an error
    return report + _record_sent(rest[0], sent.closing)


def _release(entries: list[MirrorEntry]) -> None:
    """Hand back claimed entries that were not sent, as if they had never been claimed."""
    by_lease: dict[datetime.datetime | None, list[int]] = {}
    for entry in entries:
        by_lease.setdefault(entry.lease_expires_at, []).append(entry.id)
    for lease, entry_ids in by_lease.items():
        _release_ids(entry_ids, lease)


def _release_ids(entry_ids: list[int], lease: datetime.datetime | None) -> None:
    """Hand back the entries this claim (its `lease`) holds, one UPDATE per few hundred."""
    for start in range(0, len(entry_ids), _IDS_PER_QUERY):
        MirrorEntry.objects.filter(
            id__in=entry_ids[start : start + _IDS_PER_QUERY],
            state=State.SENDING,
            lease_expires_at=lease,
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
