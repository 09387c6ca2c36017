"""Who delivers the memory mirror: Celery workers when a broker is set, else a thread here.

`wake()` runs after a transaction that wrote mirror entries commits. With
Celery it queues the delivery task; otherwise it starts (once) a daemon thread
in this process and nudges it. The thread also wakes by itself when a retry
falls due or a dead worker's lease runs out, survives a database connection
that dropped (it reconnects on its next round), and finishes the entry in hand
before it stops.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 30.0
DELIVER_LIMIT = 50  # entries claimed in one pass
ERROR_PAUSE_SECONDS = 5.0
QUIET_SWEEP_SECONDS = 60.0


class MirrorWorker(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="memory-mirror", daemon=True)
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self) -> None:
        from helpdesk.memory.backends import get_backend
        from helpdesk.memory.services.mirror import (
            mirror_deliver_due,
            mirror_enqueue_quiet,
            mirror_next_due_at,
        )

        next_sweep = 0.0
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                close_old_connections()
                if time.monotonic() >= next_sweep:
                    mirror_enqueue_quiet()
                    next_sweep = time.monotonic() + QUIET_SWEEP_SECONDS
                report = mirror_deliver_due(
                    get_backend(), limit=DELIVER_LIMIT, should_stop=self._stopping.is_set
                )
                if report.attempted:
                    if report.attempted < DELIVER_LIMIT:
                        # Under a stream of messages each commit wakes the worker for one
                        # entry, and a pass's claim costs more than a delivery: let the next
                        # ones gather a moment and take them in one pass. (A pass takes one
                        # entry per ticket, so this also paces a single ticket's entries.)
                        self._stopping.wait(settings.MIRROR_WORKER_GATHER_SECONDS)
                    continue
                wait = _seconds_until(mirror_next_due_at())
            except Exception:
                logger.exception("The memory mirror worker hit an error; trying again shortly")
                connection.close()  # a dropped database connection is opened afresh next round
                wait = ERROR_PAUSE_SECONDS
            finally:
                close_old_connections()
            self._wake.wait(wait)


def _seconds_until(due: datetime.datetime | None) -> float:
    if due is None:
        return IDLE_POLL_SECONDS
    seconds = (due - timezone.now()).total_seconds()
    return min(max(seconds, 0.05), IDLE_POLL_SECONDS)


_lock = threading.Lock()
_worker: MirrorWorker | None = None
# Web processes run the worker; management commands and tests deliver explicitly
# (`sync_memory`), so a short-lived process never leaves deliveries half-done.
_enabled = False


def enable() -> None:
    """Run the worker in this process: now for any backlog, and on every wake()."""
    global _enabled
    _enabled = True
    start().nudge()


def start() -> MirrorWorker:
    """Start this process's worker thread if it is not running."""
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = MirrorWorker()
            _worker.start()
        return _worker


def stop() -> None:
    global _worker, _enabled
    _enabled = False
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


# A wake-up task that waited this long in the queue is dropped: the periodic
# sweep (celery beat) has delivered its entries by then.
WAKE_EXPIRES_SECONDS = 60.0
# Set while a wake-up task is queued and not yet started (shared caches only).
WAKE_QUEUED_KEY = "helpdesk:mirror:wake-queued"


def wake() -> None:
    """Deliver soon: queue the Celery task, or nudge the thread in this process.

    Runs after the commit, so the entries are safe whatever happens here: a
    broker that is down costs latency (the sweep delivers them), never the
    caller's request. With a cache shared by all processes (`CACHE_URL`), one
    queued task serves every commit until it starts, instead of one task each.
    """
    if settings.CELERY_BROKER_URL:
        _queue_delivery_task()
        return
    if _enabled:
        start().nudge()


def _queue_delivery_task() -> None:
    from helpdesk.memory.tasks import deliver_mirror

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
