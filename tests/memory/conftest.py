"""Fixtures for the memory backends: a loopback EverMemOS server and a client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.evermemos import EverMemOSBackend, EverMemOSV1Backend
from helpdesk.memory.backends.evermemos import v0 as evermemos_v0
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.memory.processes import WorkerProcess, start_process, stop_all

# Loopback answers take milliseconds; a short timeout keeps the timeout tests fast.
CLIENT_TIMEOUT = 0.3


@pytest.fixture(autouse=True)
def _fresh_global_scene_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client looks the global scene up once per process and URL; a loopback port can be
    reused by a later test's server, so every test starts as a fresh process would."""
    monkeypatch.setattr(evermemos_v0, "_scene_configured", set())


@pytest.fixture
def evermemos_server_factory() -> Iterator[Callable[..., EverMemOSServer]]:
    """Start servers with options (`api_key=...`); all are stopped after the test."""
    servers: list[EverMemOSServer] = []

    def start(**options: str) -> EverMemOSServer:
        server = EverMemOSServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def evermemos_server(
    evermemos_server_factory: Callable[..., EverMemOSServer],
) -> EverMemOSServer:
    """A running loopback EverMemOS v0 server without authentication (self-hosted style)."""
    return evermemos_server_factory()


@pytest.fixture
def use_evermemos(settings: Settings, evermemos_server: EverMemOSServer) -> EverMemOSServer:
    """The product's memory backend is `evermemos_server`, reached with short timeouts."""
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = evermemos_server.base_url
    settings.EVERMEMOS_TIMEOUT = CLIENT_TIMEOUT
    settings.EVERMEMOS_CONNECT_TIMEOUT = CLIENT_TIMEOUT
    settings.EVERMEMOS_READ_TIMEOUT = CLIENT_TIMEOUT
    return evermemos_server


@pytest.fixture
def evermemos_backend_factory() -> Iterator[Callable[..., EverMemOSBackend]]:
    """Build clients with short timeouts; all are closed after the test."""
    backends: list[EverMemOSBackend] = []

    def build(server_or_url: EverMemOSServer | str, **options: Any) -> EverMemOSBackend:
        base_url = server_or_url if isinstance(server_or_url, str) else server_or_url.base_url
        settings: dict[str, Any] = {"timeout": CLIENT_TIMEOUT, "connect_timeout": CLIENT_TIMEOUT}
        settings.update(options)
        backend = EverMemOSBackend(base_url=base_url, **settings)
        backends.append(backend)
        return backend

    yield build
    for backend in backends:
        backend.close()


@pytest.fixture
def evermemos_backend(
    evermemos_server: EverMemOSServer,
    evermemos_backend_factory: Callable[..., EverMemOSBackend],
) -> EverMemOSBackend:
    """A client for `evermemos_server` (hybrid context search, agentic recurring search)."""
    return evermemos_backend_factory(evermemos_server)


Spawn = Callable[[list[str], dict[str, str]], WorkerProcess]


@pytest.fixture
def spawn(transactional_db: None, tmp_path: Path) -> Iterator[Spawn]:
    """Start worker processes (`tests/memory/processes.py`) on the test database; any still
    running at the end are killed before the database is flushed."""
    started: list[WorkerProcess] = []

    def start(args: list[str], environment: dict[str, str]) -> WorkerProcess:
        return start_process(args, environment, tmp_path / f"worker-{len(started)}.log", started)

    yield start
    stop_all(started)


@pytest.fixture(params=["v0", "v1"])
def mirror_server(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[EverMemOSServer | EverMemOSV1Server]:
    """A loopback EverMemOS of each API version in turn; the settings speak its version.

    v0 de-duplicates by message id, v1 stores a re-sent message twice: the same tests
    hold the mirror to exactly once against both."""
    server: EverMemOSServer | EverMemOSV1Server = (
        EverMemOSServer() if request.param == "v0" else EverMemOSV1Server()
    )
    server.start()
    settings.EVERMEMOS_API_VERSION = server.api_version
    yield server
    server.stop()


@pytest.fixture
def mirror_backend(mirror_server: EverMemOSServer | EverMemOSV1Server) -> Iterator[MemoryBackend]:
    """A client of `mirror_server`'s version, with short timeouts."""
    options: dict[str, Any] = {
        "base_url": mirror_server.base_url,
        "timeout": CLIENT_TIMEOUT,
        "connect_timeout": CLIENT_TIMEOUT,
    }
    backend = (
        EverMemOSBackend(**options)
        if mirror_server.api_version == "v0"
        else EverMemOSV1Backend(**options)
    )
    yield backend
    backend.close()
