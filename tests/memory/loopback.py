"""Real HTTP on 127.0.0.1 in a thread, for the loopback EverMemOS servers (v0 and v1).

`LoopbackServer` records every request before handling it and consumes injected faults
queued per path: an error status, a delay, a dropped connection, malformed JSON, or the
request handled (stored) and then answered with an error, late, or only when the test
releases it. Subclasses implement the routes of one API version.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

HOLD_LIMIT_SECONDS = 60.0  # a held answer that the test never released goes out after this

SearchBehaviour = Literal["normal", "empty", "rerank_failed", "slow"]


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any
    client_port: int = 0

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Fault:
    """What to do instead of (or after) handling one matching request."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    malformed: bool = False
    after_processing: bool = False
    # Wait this long after handling the request (stored) before answering.
    delay_after: float = 0.0
    # After handling the request (stored), answer once this is set (or HOLD_LIMIT_SECONDS pass).
    hold: threading.Event | None = None


class LoopbackServer:
    """Start with `start()` (or as a context manager); `base_url` is then set.

    Subclasses answer in `_route(request, bad_json=...)` (called under `_lock`, raising
    `HttpError` for errors) and shape errors in `_error_body`.
    """

    api_version = ""  # what EVERMEMOS_API_VERSION a client of this server needs
    message_path = ""  # where messages are added (relative to the prefix)

    def __init__(self, *, api_key: str = "", prefix: str) -> None:
        self.api_key = api_key
        self.prefix = prefix
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: dict[tuple[str | None, str], deque[Fault]] = defaultdict(deque)
        self._search_behaviour: dict[str, SearchBehaviour] = {}
        self._port = 0
        self._httpd: _LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ----------------------------------------------------------------

    def start(self) -> Self:
        """Serve on a free port; after `stop()`, serve again on the same port, state kept
        (an outage: connections are refused in between)."""
        handler = type("Handler", (_Handler,), {"app": self})
        self._httpd = _LoopbackHTTPServer(("127.0.0.1", self._port), handler)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_open_connections()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def path(self, relative: str) -> str:
        """The full path of an API path (`/memories` → `<prefix>/memories`); `/health` stays."""
        if relative == "/health" or relative.startswith(self.prefix + "/"):
            return relative
        return self.prefix + relative

    # Fault injection ----------------------------------------------------------

    def add_fault(
        self, path: str, fault: Fault, *, times: int = 1, method: str | None = None
    ) -> None:
        """Queue `fault` for the next `times` requests to `path` (and `method`, if given)."""
        with self._lock:
            key = (method.upper() if method else None, self.path(path))
            self._faults[key].extend(Fault(**vars(fault)) for _ in range(times))

    def fail_next(
        self,
        path: str,
        status: int = 500,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        method: str | None = None,
    ) -> None:
        """Answer `status` (with `headers`, and `body` instead of the error envelope)."""
        fault = Fault(status=status, headers=dict(headers or {}), body=body)
        self.add_fault(path, fault, times=times, method=method)

    def delay_next(
        self, path: str, seconds: float, *, times: int = 1, method: str | None = None
    ) -> None:
        """Wait `seconds` before handling the request normally."""
        self.add_fault(path, Fault(delay=seconds), times=times, method=method)

    def drop_next(self, path: str, *, times: int = 1, method: str | None = None) -> None:
        """Close the connection without answering."""
        self.add_fault(path, Fault(drop=True), times=times, method=method)

    def malformed_next(self, path: str, *, times: int = 1, method: str | None = None) -> None:
        """Answer 200 with a body that is not valid JSON."""
        self.add_fault(path, Fault(malformed=True), times=times, method=method)

    def process_then_delay_next(
        self, path: str, seconds: float, *, times: int = 1, method: str | None = None
    ) -> None:
        """Handle the request (recording and storing it), then wait `seconds` to answer."""
        self.add_fault(path, Fault(delay_after=seconds), times=times, method=method)

    def process_then_hold_next(self, path: str, *, method: str | None = None) -> threading.Event:
        """Handle the next request (recording and storing it), then hold its answer until the
        returned event is set: the test acts while the client waits, with no time window."""
        answer = threading.Event()
        self.add_fault(path, Fault(hold=answer), method=method)
        return answer

    def clear_faults(self) -> None:
        """Forget the faults not yet consumed."""
        with self._lock:
            self._faults.clear()

    def process_then_fail_next(
        self, path: str, status: int = 500, *, times: int = 1, method: str | None = None
    ) -> None:
        """Handle the request (recording and storing it), then answer `status` anyway."""
        fault = Fault(status=status, after_processing=True)
        self.add_fault(path, fault, times=times, method=method)

    def set_search_behaviour(self, method: str, behaviour: SearchBehaviour) -> None:
        """Make one retrieve method return nothing (`empty`) or -100 scores (`rerank_failed`)."""
        with self._lock:
            self._search_behaviour[method] = behaviour

    # Inspection ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        full = self.path(path)
        return [
            request
            for request in self.requests
            if request.path == full and (method is None or request.method == method.upper())
        ]

    # Request handling (called from handler threads) ---------------------------

    def handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw) if raw.strip() else None
            bad_json = False
        except ValueError:
            parsed, bad_json = None, True
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=raw,
            json=parsed,
            client_port=handler.client_address[1],
        )
        with self._lock:
            self._requests.append(request)
            fault = self._take_fault(request)

        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop:
            handler.close_connection = True
            return
        if fault and fault.malformed:
            handler.respond_raw(200, b'{"status": "ok", "result": {"memories": [', {})
            return
        if fault and fault.status is not None and not fault.after_processing:
            self._send_fault(handler, request, fault)
            return

        try:
            status, payload = self._route(request, bad_json=bad_json)
        except HttpError as error:
            status, payload = error.status, self._error_body(error.status, error.message, request)
        if fault and fault.after_processing:
            self._send_fault(handler, request, fault)
            return
        if fault and fault.delay_after:
            time.sleep(fault.delay_after)
        if fault and fault.hold is not None:
            fault.hold.wait(HOLD_LIMIT_SECONDS)
        if status == 204:
            handler.respond_raw(status, b"", {})
            return
        handler.respond_json(status, payload, {})

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        for key in ((request.method, request.path), (None, request.path)):
            queue = self._faults.get(key)
            if queue:
                return queue.popleft()
        return None

    def _send_fault(self, handler: _Handler, request: RecordedRequest, fault: Fault) -> None:
        status = fault.status or 500
        if fault.body is not None:
            payload = fault.body
        else:
            payload = self._error_body(status, "injected failure", request)
        handler.respond_json(status, payload, fault.headers)

    def _route(self, request: RecordedRequest, *, bad_json: bool) -> tuple[int, Any]:
        raise NotImplementedError

    def _error_body(self, status: int, message: str, request: RecordedRequest) -> dict[str, Any]:
        raise NotImplementedError


class _LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping in a delay fault must not block stop()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._open_lock:
            self._open.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Cut kept-alive connections too, so that a stopped server answers nobody."""
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    app: LoopbackServer

    def do_GET(self) -> None:
        self.app.handle(self)

    def do_POST(self) -> None:
        self.app.handle(self)

    def do_PATCH(self) -> None:
        self.app.handle(self)

    def do_DELETE(self) -> None:
        self.app.handle(self)

    def respond_json(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        self.respond_raw(status, json.dumps(payload).encode(), headers)

    def respond_raw(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `LoopbackServer.requests` instead."""
