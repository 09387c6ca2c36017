"""The memory app's configuration: connects its receivers and starts the in-process worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.apps import AppConfig


def _is_web_server() -> bool:
    """runserver's serving process (not its autoreloader parent) or gunicorn."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    # `gunicorn ...` runs a script of that name; `python -m gunicorn ...` runs gunicorn/__main__.py.
    if "gunicorn" in program.name or program.parent.name == "gunicorn":
        return True
    if len(sys.argv) > 1 and sys.argv[1] == "runserver":
        return os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
    return False


class MemoryConfig(AppConfig):
    name = "helpdesk.memory"
    label = "memory"
    verbose_name = "Memory"

    def ready(self) -> None:
        from django.conf import settings

        # Importing these connects their receivers: the outbox writers (signals) and the
        # deliverers that answer a delivery request (worker thread, Celery task).
        from helpdesk.memory import signals, tasks, worker  # noqa: F401

        if not _is_web_server():
            return
        if settings.MIRROR_WORKER_AUTOSTART:
            worker.enable()
        from helpdesk.memory import preload

        preload.start()
