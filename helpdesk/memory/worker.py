"""The in-process deliverer of the outbox (the memory mirror, outgoing e-mail, webhooks): a daemon
thread in web processes.

Without a Celery broker, web processes `enable()` it at start, and `wake()` answers each
delivery request (`helpdesk.memory.wakeup`) by nudging it; with a broker, `tasks` answers
instead. The thread also wakes by itself when a retry falls due or a dead worker's lease
runs out, survives a database connection that dropped (it reconnects on its next round),
and finishes the entry in hand before it stops.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.dispatch import receiver
from django.utils import timezone

from helpdesk.outbox import delivery_requested

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
        from helpdesk.channels.outgoing import (
            outgoing_mail_deliver_due,
            outgoing_mail_next_due_at,
        )
        from helpdesk.memory.backends import get_backend
        from helpdesk.memory.services.mirror import (
            mirror_deliver_due,
            mirror_enqueue_quiet,
            mirror_next_due_at,
        )
        from helpdesk.webhooks.delivery import webhook_deliver_due, webhook_next_due_at

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
                report += outgoing_mail_deliver_due(should_stop=self._stopping.is_set)
                report += webhook_deliver_due(should_stop=self._stopping.is_set)
                if report.attempted:
                    if report.attempted < DELIVER_LIMIT:
                        # Under a stream of messages each commit wakes the worker for one
                        # entry, and a pass's claim costs more than a delivery: let the next
                        # ones gather a moment and take them in one pass. (A pass takes one
                        # entry per ticket, so this also paces a single ticket's entries.)
                        self._stopping.wait(settings.MIRROR_WORKER_GATHER_SECONDS)
                    continue
                wait = _seconds_until(
                    _earliest(
                        mirror_next_due_at(), outgoing_mail_next_due_at(), webhook_next_due_at()
                    )
                )
            except Exception:
                logger.exception("The memory mirror worker hit an error; trying again shortly")
                connection.close()  # a dropped database connection is opened afresh next round
                wait = ERROR_PAUSE_SECONDS
            finally:
                close_old_connections()
            self._wake.wait(wait)


def _earliest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


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


@receiver(delivery_requested, dispatch_uid="mirror_worker_wake")
def wake(**kwargs: object) -> None:
    """Nudge this process's worker thread, if it runs here and Celery does not deliver."""
    if _enabled and not settings.CELERY_BROKER_URL:
        start().nudge()
