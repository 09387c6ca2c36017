"""Ask for the outbox to be delivered soon, without knowing who delivers it.

Whatever writes outbox entries calls `request_delivery` once its transaction commits. The
deliverer of this process listens: the in-process worker thread (`worker`), or, with a
broker configured, the Celery task queue (`tasks`). A request nobody listens to (a
management command, a test) is dropped: `sync_memory` delivers explicitly.
"""

from __future__ import annotations

from django.dispatch import Signal

delivery_requested = Signal()


def request_delivery() -> None:
    """Deliver soon. Runs after the commit: nothing it does may fail the caller."""
    delivery_requested.send(sender=None)
