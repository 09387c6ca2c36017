"""Delivery workers as real processes for the fault and Celery tests.

A worker process runs the product's own command (`manage.py sync_memory`,
`celery -A helpdesk worker`) on the test database, configured the way a
deployment is: through environment variables. The test database must be one
another process can open: a file on SQLite (see `tests/conftest.py`), the
`test_` database on PostgreSQL. Each process starts in its own session so that
a kill takes its children (Celery's pool) with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.memory.loopback import LoopbackServer

# Variables of the developer's shell or CI that would change what a worker does.
_SCRUBBED_PREFIXES = ("DATABASE_URL", "MEMORY_", "EVERMEMOS_", "MIRROR_", "CELERY_", "OPENAI_")


def database_url() -> str:
    """The URL of the database this test runs on, for `DATABASE_URL`."""
    database = connection.settings_dict
    name = str(database["NAME"])
    if database["ENGINE"] == "django.db.backends.sqlite3":
        if name.startswith("file:") or name == ":memory:":
            raise RuntimeError("a worker process cannot open an in-memory SQLite test database")
        return f"sqlite:///{name}"
    if database["ENGINE"] == "django.db.backends.postgresql":
        user = quote(str(database["USER"] or ""), safe="")
        password = quote(str(database["PASSWORD"] or ""), safe="")
        credentials = f"{user}:{password}@" if user else ""
        host = database["HOST"] or "localhost"
        port = database["PORT"] or "5432"
        return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no worker process support for {database['ENGINE']}")


def worker_environment(server: LoopbackServer, **overrides: str) -> dict[str, str]:
    """The environment of a worker that mirrors this test database to `server`."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(_SCRUBBED_PREFIXES)
    }
    environment.update(
        DATABASE_URL=database_url(),
        MEMORY_BACKEND="evermemos",
        MEMORY_EMBEDDINGS="false",
        MEMORY_QUIET_MINUTES="0",
        EVERMEMOS_BASE_URL=server.base_url,
        EVERMEMOS_API_VERSION=server.api_version,
        EVERMEMOS_TIMEOUT="5",
        EVERMEMOS_CONNECT_TIMEOUT="1",
        MIRROR_WORKER_AUTOSTART="false",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(overrides)
    return environment


class WorkerProcess:
    """One started process, its output kept in a log file for failure messages."""

    def __init__(self, args: list[str], environment: dict[str, str], log: Path) -> None:
        self.args = args
        self.log = log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(  # noqa: S603 (our own interpreter and commands)
                args,
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def send(self, signum: int) -> None:
        """Signal the process itself (a warm shutdown for SIGTERM)."""
        if self.is_running():
            self.popen.send_signal(signum)

    def kill_all(self) -> None:
        """SIGKILL the process and every process it started: a crash, nothing cleaned up."""
        if self.is_running():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(self.args[1:4])} still running after {timeout}s:\n{self}")

    def __repr__(self) -> str:  # what pytest shows as an assertion's message
        return f"--- output of {' '.join(self.args)} ---\n{self.output()[-6000:]}"


def point_celery_at(url: str) -> str:
    """Make this process publish Celery tasks to `url`; returns the broker it used before."""
    from helpdesk import celery_app

    previous = str(celery_app.conf.broker_url or "")
    celery_app.conf.broker_url = url
    # Forget connections to the earlier broker, as Celery's own after-fork reset does.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    return previous


def sync_memory_args(*extra: str) -> list[str]:
    return ["manage.py", "sync_memory", *extra]


def start_process(
    args: list[str], environment: dict[str, str], log: Path, started: list[WorkerProcess]
) -> WorkerProcess:
    process = WorkerProcess([sys.executable, *args], environment, log)
    started.append(process)
    return process


def stop_all(started: list[WorkerProcess]) -> None:
    for process in started:
        if process.is_running():
            os.killpg(process.pid, signal.SIGKILL)
            process.popen.wait(timeout=10)
