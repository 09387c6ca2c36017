"""A loopback OpenAI-compatible chat-completions server for tests.

It speaks the wire format the `openai` client uses (`POST /v1/chat/completions`,
Bearer auth, the `chat.completion` object, OpenAI's error envelope), records every
request so tests can read exactly what left the product, and answers from a queue of
scripted replies. Faults (HTTP errors with headers, slow answers, junk bodies, empty
choices) are queued and consumed by the next requests.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLES = {"system", "user", "assistant", "developer", "tool"}


@dataclass(frozen=True)
class RecordedChat:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    @property
    def system(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m["role"] == "system")

    @property
    def user(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def text(self) -> str:
        """Everything the model was shown."""
        return "\n".join(str(m["content"]) for m in self.messages)


@dataclass
class Fault:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    junk: bool = False  # a 200 whose body is not JSON
    no_choices: bool = False


class LLMServer:
    def __init__(self, *, api_key: str = "") -> None:
        self.api_key = api_key
        # What every request without a scripted reply gets: a text, or a function of the request.
        self.default_reply: str | Callable[[RecordedChat], str] = (
            "Thanks for your message. We are looking into it."
        )
        self._replies: deque[str | Callable[[RecordedChat], str]] = deque()
        self._faults: deque[Fault] = deque()
        self._requests: list[RecordedChat] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # Lifecycle -------------------------------------------------------------------------

    def start(self) -> LLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    # Scripting -------------------------------------------------------------------------

    def reply_with(self, *replies: str | Callable[[RecordedChat], str]) -> None:
        """Answer the next requests with these texts (or functions of the request)."""
        with self._lock:
            self._replies.extend(replies)

    def fail_next(self, status: int, *, times: int = 1, headers: dict | None = None) -> None:
        self._add(Fault(status=status, headers=headers or {}), times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        self._add(Fault(delay=seconds), times)

    def junk_next(self, *, times: int = 1) -> None:
        self._add(Fault(junk=True), times)

    def empty_next(self, *, times: int = 1) -> None:
        self._add(Fault(no_choices=True), times)

    def _add(self, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    @property
    def requests(self) -> list[RecordedChat]:
        with self._lock:
            return list(self._requests)

    # Handling --------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        if handler.path.rstrip("/") != "/v1/chat/completions":
            return self._send(handler, 404, _error("Unknown path", "invalid_request_error"))
        if self.api_key and headers.get("authorization") != f"Bearer {self.api_key}":
            return self._send(handler, 401, _error("Incorrect API key", "invalid_api_key"))
        try:
            body = json.loads(raw)
            _validate(body)
        except (ValueError, TypeError, KeyError) as error:
            return self._send(handler, 400, _error(str(error), "invalid_request_error"))
        chat = RecordedChat(headers=headers, body=body)
        with self._lock:
            self._requests.append(chat)
            fault = self._faults.popleft() if self._faults else None
            answers = fault is None or not (fault.status or fault.junk or fault.no_choices)
            reply = self._replies.popleft() if answers and self._replies else self.default_reply
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return self._send(
                    handler, fault.status, _error("Injected fault", "server_error"), fault.headers
                )
            if fault.junk:
                return self._send_raw(handler, 200, b"<html>upstream hiccup</html>", "text/html")
            if fault.no_choices:
                return self._send(handler, 200, _completion(body, None))
        text = reply(chat) if callable(reply) else reply
        return self._send(handler, 200, _completion(body, text))

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict | None = None,
    ) -> None:
        self._send_raw(handler, status, json.dumps(payload).encode(), "application/json", headers)

    def _send_raw(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (a timeout test)
            handler.wfile.write(data)


def _validate(body: Any) -> None:
    if not isinstance(body, dict):
        raise TypeError("The body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ValueError("'model' is required")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty array")
    for message in messages:
        if message.get("role") not in ROLES or not isinstance(message.get("content"), str):
            raise ValueError(f"Invalid message: {message!r}")
    response_format = body.get("response_format")
    if response_format is not None and response_format.get("type") not in {
        "text",
        "json_object",
        "json_schema",
    }:
        raise ValueError("Invalid response_format")


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _completion(body: dict[str, Any], text: str | None) -> dict[str, Any]:
    choices = []
    if text is not None:
        choices.append(
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        )
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": choices,
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
