"""gunicorn settings for the helpdesk: `gunicorn -c gunicorn.conf.py` (docs/deploy.md).

Sized for a 2-core machine; command-line flags and GUNICORN_CMD_ARGS override
anything here.

- Threaded workers: a suggested reply or a handoff may wait on the language
  model for up to LLM_TIMEOUT seconds per try; threads keep the other agents'
  pages moving meanwhile, and a slow request does not get its worker killed.
- No preload: every worker starts its own memory-mirror thread (unless Celery
  delivers) and loads the embedded memory engine after the fork; a thread
  started before the fork would not survive it.
- X-Forwarded-Proto is believed from the addresses in FORWARDED_ALLOW_IPS
  (gunicorn's default: 127.0.0.1 and ::1, a proxy on the same host).
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "helpdesk.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a silent worker lives before it is replaced, and the grace on shutdown
# for requests in flight.
timeout = 60
graceful_timeout = 30
keepalive = 5
# No gunicornc control socket: one fixed path per user would clash between instances.
control_socket_disable = True
accesslog = "-"
errorlog = "-"


def worker_exit(server: Any, worker: Any) -> None:
    """Let this worker's memory-mirror thread finish the entry in hand before it goes."""
    from helpdesk.memory import worker as mirror_worker

    mirror_worker.stop()


def post_worker_init(worker: Any) -> None:
    """Move what the worker loaded at start (Django, the app, numpy, ...) out of the garbage
    collector's reach: full collections then scan only what requests allocate, which takes
    the worst ticket-panel times from about 120 ms to about 60 ms (bench/load.py)."""
    import gc

    gc.collect()
    gc.freeze()
