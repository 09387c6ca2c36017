"""A webhook subscriber on loopback: a real HTTP server in a thread that records what it is
sent and answers as told (a status, or hanging past the client's timeout)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookServer:
    url: str
    received: list[Received] = field(default_factory=list)
    # What to answer, one per request in turn (then `default`): a status, or "hang".
    answers: list[int | str] = field(default_factory=list)
    default: int | str = 200
    hang_seconds: float = 2.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # what to answer with, instead of the usual
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> int | str:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default


def _handler(server: HookServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with server.lock:
                server.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            answer = server.next_answer()
            if answer == "hang":
                time.sleep(server.hang_seconds)
                answer = 200
            assert isinstance(answer, int)
            text = (
                server.body
                if server.body is not None
                else (b'{"ok": true}' if answer < 300 else b"nope")
            )
            self.send_response(answer)
            for name, value in server.extra_headers.items():
                self.send_header(name, value)
            if 300 <= answer < 400:
                self.send_header("Location", server.url + "elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (a hang)
                self.wfile.write(text)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def hook_server() -> Iterator[HookServer]:
    state = HookServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
