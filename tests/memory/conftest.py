"""Fixtures for the memory backends: a loopback EverMemOS server and a client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from helpdesk.memory import evermemos
from helpdesk.memory.evermemos import EverMemOSBackend
from tests.memory.evermemos_server import EverMemOSServer

# Loopback answers take milliseconds; a short timeout keeps the timeout tests fast.
CLIENT_TIMEOUT = 0.3


@pytest.fixture(autouse=True)
def _fresh_global_scene_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client sends the global scene once per process and URL; a loopback port can be
    reused by a later test's server, so every test starts as a fresh process would."""
    monkeypatch.setattr(evermemos, "_scene_configured", set())


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
