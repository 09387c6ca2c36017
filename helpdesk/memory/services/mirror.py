"""Deliver mirror entries to the memory backend: claimed safely, in order per ticket, once.

A worker claims the oldest due entry of each ticket (and, for a batch backend, the
messages that follow it) in a transaction that locks the rows it reads and updates just
those, sends them, and marks them delivered. An
entry whose worker died mid-way is claimed again when its lease expires; the
embedded engine and EverMemOS v0 deduplicate by the message's stable id, so a resend is
harmless and a "duplicate" answer counts as delivered; v1 does not, so entries that may
have gone out already (`maybe_sent`) are looked for first. Every claimed run goes
through one path: planned into calls, sent, each call's result recorded, what was not
sent handed back. A worker never starts sending an entry
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
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
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
from helpdesk.memory.services.events import (
    maybe_sent,
    message_events,
    mirror_send,
    ticket_opened_event,
)
from helpdesk.memory.types import (
    DeliveryOutcome,
    MemoryBackendError,
    MessagePosted,
    TicketOpened,
)
from helpdesk.outbox import (
    MAX_BACKOFF_SECONDS,
    DeliveryReport,
    backoff_seconds,
    claim_ids,
    failure_fields,
    release_expired_leases,
    release_ids,
    retry_failed,
    wake_backed_off,
)
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

State = MirrorEntry.State
Kind = MirrorEntry.Kind
_CLOSING_KINDS = (Kind.TICKET_CLOSED, Kind.TICKET_QUIET)
__all__ = ["MAX_BACKOFF_SECONDS", "DeliveryReport", "backoff_seconds"]  # the shared outbox's


def _release_expired_leases(now: datetime.datetime) -> None:
    """Hand back what dead workers held; an entry that outlived every attempt has failed
    (it stays visible as failed; `sync_memory --retry-failed` or the admin's retry action
    sends it again)."""
    release_expired_leases(
        MirrorEntry, now=now, max_attempts=settings.MIRROR_MAX_ATTEMPTS, label="mirror entries"
    )


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
    return _claimed_entries(claimed)


def _claimed_entries(entry_ids: list[int]) -> list[MirrorEntry]:
    """The claimed entries in id order, each with its ticket (and customer) and its message
    (and author). A ticket and its customer are read once for all the entries of its run,
    not once per entry: three queries, and a fifth of the rows built (`bench/load.py`)."""
    entries = list(MirrorEntry.objects.filter(id__in=entry_ids).order_by("id"))
    tickets = Ticket.objects.select_related("customer").in_bulk(
        {entry.ticket_id for entry in entries if entry.ticket_id is not None}
    )
    messages = Message.objects.select_related("author").in_bulk(
        {entry.message_id for entry in entries if entry.message_id is not None}
    )
    found = []
    for entry in entries:
        ticket = tickets.get(entry.ticket_id) if entry.ticket_id is not None else None
        message = messages.get(entry.message_id) if entry.message_id is not None else None
        if (entry.ticket_id is not None and ticket is None) or (
            entry.message_id is not None and message is None
        ):
            continue  # deleted since it was claimed: its entries went with it
        if ticket is not None:
            entry.ticket = ticket
            if message is not None:
                message.ticket = ticket
        if message is not None:
            entry.message = message
        found.append(entry)
    return found


_IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


def _take(entry_ids: list[int], lease: datetime.datetime) -> list[int]:
    """Claim those of `entry_ids` that are still pending (the shared outbox's claim; call in
    a transaction); returns the ids won, in order."""
    return claim_ids(MirrorEntry, entry_ids, lease)


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


# One path for every claimed run: planned into calls (here), sent (here or in a thread),
# each call's result recorded (here), and whatever was not sent handed back.


@dataclass(frozen=True)
class _Step:
    """One call to the backend: one entry, or one ticket's messages in one batch (with its
    opened entry when the backend registers the group with them)."""

    entries: list[MirrorEntry]
    events: list[MessagePosted] | None = None  # a batch: its messages' events, masked
    opened: TicketOpened | None = None  # a batch's opened entry, should it have to go alone

    @property
    def is_batch(self) -> bool:
        return self.events is not None


@dataclass(frozen=True)
class _Sent:
    """What one call did: an outcome for each of `entries`, or the `error` of the first
    (its only entry, or the first of a batch whose others were not sent)."""

    entries: list[MirrorEntry]
    maybe_sent: bool
    outcomes: list[DeliveryOutcome] | None = None
    error: Exception | None = None


StopRule = Callable[[MirrorEntry], bool]


def _never_stop(entry: MirrorEntry) -> bool:
    return False


def _stop_rule(deadline: float | None, should_stop: Callable[[], bool] | None) -> StopRule:
    """Whether to stop before sending `entry`: out of time, its claim's lease over, or told
    to stop. Once out of time or told to stop, it stays so for the rest of the pass."""
    stopped = False

    def reached(entry: MirrorEntry) -> bool:
        nonlocal stopped
        stopped = stopped or (deadline is not None and time.monotonic() >= deadline)
        lease = entry.lease_expires_at
        if stopped or (lease is not None and timezone.now() >= lease):
            return True
        stopped = should_stop is not None and should_stop()
        return stopped

    return reached


def _plan(run: list[MirrorEntry], backend: MemoryBackend) -> list[_Step]:
    """A run's calls, in order. A batch backend takes the messages in one call (the opened
    entry before them with them: a run holds one only when the backend registers the group
    with its messages), then the entry after them (a closing) in its own; otherwise one
    call per entry. Masking happens here, in the worker's thread."""
    messages = [entry for entry in run if entry.kind == Kind.MESSAGE]
    if not messages or not isinstance(backend, BatchDelivery):
        return [_Step([entry]) for entry in run]
    batch = run[: run.index(messages[-1]) + 1]
    events = message_events(messages)
    opened = next((entry for entry in batch if entry.kind == Kind.TICKET_OPENED), None)
    opened_event = None
    if opened is not None and opened.ticket is not None:
        opened_event = ticket_opened_event(
            opened.ticket, group_name=events[0].group_name, subject=events[0].subject
        )
    rest = [_Step([entry]) for entry in run[len(batch) :]]
    return [_Step(batch, events, opened_event), *rest]


def _send_steps(steps: list[_Step], backend: MemoryBackend, stop: StopRule) -> Iterator[_Sent]:
    """Make a run's calls in order, stopping before a call once `stop` says so, and after
    a call that was not delivered whole (what follows waits behind it). No database write:
    this may run in a thread."""
    for step in steps:
        if stop(step.entries[0]):
            return
        failed = False
        for sent in _send_step(step, backend):
            failed = failed or sent.error is not None
            yield sent
        if failed:
            return


def _send_step(step: _Step, backend: MemoryBackend) -> Iterator[_Sent]:
    """One call. A batch that fails with an error a retry may fix is the first entry's
    failure (the others wait behind it); one that no retry fixes (a 422 rejects the whole
    batch) is sent again one entry at a time, so that only the bad one fails."""
    maybe = maybe_sent(step.entries)
    events = step.events
    if events is None or not isinstance(backend, BatchDelivery):
        entry = step.entries[0]
        yield _call(step.entries, maybe, lambda: [mirror_send(entry, backend)])
        return
    sent = _call(step.entries, maybe, lambda: _batch_outcomes(step.entries, events, backend))
    if sent.error is None or _retryable(sent.error) or len(step.entries) == 1:
        yield sent
        return
    for entry in step.entries:
        yield _call([entry], maybe, _alone(entry, step, events, backend, maybe=maybe))


def _call(
    entries: list[MirrorEntry], maybe: bool, send: Callable[[], list[DeliveryOutcome]]
) -> _Sent:
    """Whatever a call raises is the first entry's error, so one bad entry cannot stop a
    pass; only a lost database connection stops it, for its caller to reconnect."""
    try:
        outcomes = send()
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        if not isinstance(error, MemoryBackendError):
            logger.exception("Mirror entry %s raised an unexpected error", entries[0].id)
        return _Sent(entries[:1], maybe, error=error)
    return _Sent(entries, maybe, outcomes=outcomes)


def _batch_outcomes(
    entries: list[MirrorEntry], events: list[MessagePosted], backend: BatchDelivery
) -> list[DeliveryOutcome]:
    """Send a batch; an outcome for each of its entries (the opened entry's is `DELIVERED`:
    it went with the messages)."""
    outcomes = backend.deliver_messages(events, maybe_sent=maybe_sent(entries))
    if len(outcomes) != len(events):
        raise MemoryBackendError(
            f"{len(outcomes)} outcomes for {len(events)} messages", retryable=False
        )
    answers = iter(outcomes)
    return [
        next(answers) if entry.kind == Kind.MESSAGE else DeliveryOutcome.DELIVERED
        for entry in entries
    ]


def _alone(
    entry: MirrorEntry,
    step: _Step,
    events: list[MessagePosted],
    backend: MemoryBackend,
    *,
    maybe: bool,
) -> Callable[[], list[DeliveryOutcome]]:
    """The call that sends one entry of a rejected batch by itself, with the events already
    built (and masked) for the batch."""
    if entry.kind == Kind.MESSAGE and isinstance(backend, BatchDelivery):
        messages = [held for held in step.entries if held.kind == Kind.MESSAGE]
        event = events[messages.index(entry)]
        return lambda: backend.deliver_messages([event], maybe_sent=maybe)
    opened = step.opened
    if entry.kind == Kind.TICKET_OPENED and opened is not None:
        return lambda: [backend.deliver_ticket_opened(opened)]
    return lambda: [mirror_send(entry, backend)]


def _retryable(error: Exception) -> bool:
    """An error that is no MemoryBackendError is not retryable."""
    return isinstance(error, MemoryBackendError) and error.retryable


class _Recorder:
    """Writes down what the sends did, in id order. Deliveries are gathered and written one
    UPDATE per outcome (`flush`): before any failure is written, so that waking the
    backed-off entries keeps its place among the failures, and at the end of a run or of a
    pass. Entries that were not sent are handed back at the flush too."""

    def __init__(self) -> None:
        self.report = DeliveryReport()
        self._delivered: dict[tuple[DeliveryOutcome, bool], list[int]] = {}
        self._wake = False
        self._unsent: list[MirrorEntry] = []

    def run(self, run: list[MirrorEntry], sends: Iterable[_Sent]) -> None:
        """Record each call's result of one run as it comes; what was not sent waits."""
        recorded: set[int] = set()
        for sent in sends:
            self._sent(sent)
            recorded.update(entry.id for entry in sent.entries)
        self._unsent += [entry for entry in run if entry.id not in recorded]

    def _sent(self, sent: _Sent) -> None:
        if sent.error is not None:
            self.flush()
            self.report += _record_failure(sent.entries[0], sent.error)
            return
        assert sent.outcomes is not None  # noqa: S101  # sent without an error
        for entry, outcome in zip(sent.entries, sent.outcomes, strict=True):
            # A "duplicate" after an earlier try may hide a message the backend recorded
            # but never processed: it is flagged.
            verify = outcome == DeliveryOutcome.DUPLICATE and sent.maybe_sent
            self._delivered.setdefault((outcome, verify), []).append(entry.id)
        self._wake = self._wake or sent.maybe_sent
        self.report += DeliveryReport(delivered=len(sent.entries))

    def flush(self) -> None:
        now = timezone.now()
        for (outcome, verify), chosen in self._delivered.items():
            _record(
                chosen,
                state=State.DELIVERED,
                outcome=outcome.value,
                delivered_at=now,
                lease_expires_at=None,
                needs_verification=verify,
            )
        if self._wake:
            _retry_backed_off_now(now)
        _release(self._unsent)
        self._delivered, self._wake, self._unsent = {}, False, []


def _deliver_run(run: list[MirrorEntry], backend: MemoryBackend, stop: StopRule) -> DeliveryReport:
    """One ticket's claimed run (or one entry), sent and recorded in this thread, in order."""
    recorder = _Recorder()
    try:
        recorder.run(run, _send_steps(_plan(run, backend), backend, stop))
    finally:  # what was sent is written down even if the pass stops on an error
        recorder.flush()
    return recorder.report


def mirror_deliver(entry: MirrorEntry, backend: MemoryBackend) -> DeliveryReport:
    """Send one claimed entry and record what happened (see `_call` for what it raises)."""
    return _deliver_run([entry], backend, _never_stop)


def _record(entry_ids: list[int], *, sending_only: bool = False, **fields: Any) -> None:
    """Write down what a send did. The send already happened, so a database connection
    that dropped meanwhile (a restart, a failover) gets one reconnect rather than
    leaving the entries to be resent when their lease runs out."""
    for start in range(0, len(entry_ids), _IDS_PER_QUERY):
        entries = MirrorEntry.objects.filter(id__in=entry_ids[start : start + _IDS_PER_QUERY])
        if sending_only:  # a failure must not undo another worker's delivery after our lease
            entries = entries.filter(state=State.SENDING)
        try:
            entries.update(**fields)
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block:
                raise
            logger.warning(
                "Lost the database connection recording mirror entries %s; reconnecting",
                entry_ids[start],
            )
            connection.close()
            entries.update(**fields)


def _retry_backed_off_now(now: datetime.datetime) -> None:
    """An entry that had failed went through: the backend is back, so stop waiting."""
    wake_backed_off(MirrorEntry, now=now, label="The memory backend")


def _record_failure(entry: MirrorEntry, error: Exception) -> DeliveryReport:
    """Back off, or fail for good; an error that is no MemoryBackendError is not retryable."""
    gives_up, fields = failure_fields(
        attempts=entry.attempts,
        error=error,
        retryable=_retryable(error),
        max_attempts=settings.MIRROR_MAX_ATTEMPTS,
        retry_after=error.retry_after if isinstance(error, MemoryBackendError) else None,
    )
    _record([entry.id], sending_only=True, **fields)
    if gives_up:
        logger.warning("Mirror entry %s failed for good: %s", entry.id, fields["last_error"])
        return DeliveryReport(failed=1)
    logger.info(
        "Mirror entry %s will retry at %s: %s",
        entry.id,
        fields["next_attempt_at"],
        fields["last_error"],
    )
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


SEND_THREADS = 4  # tickets whose requests are in flight at once (a v1 pass)


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
    claimed but not sent go back to the queue unchanged. For a backend that takes a
    ticket's opened entry, messages and closing in two calls (EverMemOS v1),
    `SEND_THREADS` tickets are in flight at once.
    """
    limit_per_batch = backend.batch_limit if isinstance(backend, BatchDelivery) else 1
    claimed = mirror_claim(
        limit=limit, batch_limit=limit_per_batch, whole_tickets=_folds_opened(backend)
    )
    runs = _runs(claimed)
    stop = _stop_rule(deadline, should_stop)
    if _folds_opened(backend) and len(runs) > 1:
        return _deliver_runs_in_threads(runs, backend, stop)
    report = DeliveryReport()
    for run in runs:
        report += _deliver_run(run, backend, stop)
    return report


def _deliver_runs_in_threads(
    runs: list[list[MirrorEntry]], backend: MemoryBackend, stop: StopRule
) -> DeliveryReport:
    """The runs that hold messages are sent `SEND_THREADS` at a time, each run's calls in
    order by one thread; only HTTP happens in the threads (the events are built and masked
    here), every database write here, in id order, as the sends come back, the deliveries
    of the whole pass in one UPDATE per outcome (a failure or a run sent here writes down
    those before it first). Runs without messages are sent here when their turn comes."""
    recorder = _Recorder()
    with ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="mirror-send") as pool:
        sends: list[tuple[bool, Callable[[], Iterable[_Sent]]]] = []
        for run in runs:
            steps = _plan(run, backend)
            if steps[0].is_batch:
                sends.append((False, pool.submit(_sent_list, steps, backend, stop).result))
            else:
                sends.append((True, functools.partial(_send_steps, steps, backend, stop)))
        try:
            for run, (sent_here, sent) in zip(runs, sends, strict=True):
                if sent_here:
                    recorder.flush()  # its send may write to the database itself, or fail to
                recorder.run(run, sent())
        finally:  # what was sent is written down even if the pass stops on an error
            recorder.flush()
    return recorder.report


def _sent_list(steps: list[_Step], backend: MemoryBackend, stop: StopRule) -> list[_Sent]:
    return list(_send_steps(steps, backend, stop))


def _release(entries: list[MirrorEntry]) -> None:
    """Hand back claimed entries that were not sent, as if they had never been claimed."""
    by_lease: dict[datetime.datetime | None, list[int]] = {}
    for entry in entries:
        by_lease.setdefault(entry.lease_expires_at, []).append(entry.id)
    for lease, entry_ids in by_lease.items():
        _release_ids(entry_ids, lease)


def _release_ids(entry_ids: list[int], lease: datetime.datetime | None) -> None:
    """Hand back the entries this claim (its `lease`) holds, one UPDATE per few hundred."""
    release_ids(MirrorEntry, entry_ids, lease)


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
    return retry_failed(entries)


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
    newest = (
        Message.objects.conversation().filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
    )
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
