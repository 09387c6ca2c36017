"""Ask for the outbox to be delivered soon, without knowing who delivers it.

The signal lives with the shared outbox (`helpdesk.outbox`), so that every outbox (the
mirror's, e-mail's) wakes the same deliverer: the in-process worker thread (`worker`), or,
with a broker configured, the Celery task queue (`tasks`). A request nobody listens to (a
management command, a test) is dropped: `sync_memory` delivers explicitly.
"""

from __future__ import annotations

from helpdesk.outbox import delivery_requested, request_delivery

__all__ = ["delivery_requested", "request_delivery"]
