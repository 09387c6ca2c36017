"""The HTTP plumbing both EverMemOS wire formats share: one pooled httpx client, timeouts,
request ids, the optional Bearer key, and the mapping of every failure to one
`MemoryBackendError` (with `retryable` and `retry_after` for the outbox worker).

It knows no paths and no field names: `v0` and `v1` do.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import math
import uuid
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from helpdesk.memory.types import MemoryBackendError

logger = logging.getLogger(__name__)

HEALTH_PATH = "/health"
_RETRYABLE_STATUSES = frozenset({408, 409, 429})
# The request itself is wrong: sending it again cannot help, whatever the headers say.
_INVALID_STATUSES = frozenset({400, 422})
_MAX_RETRY_AFTER = 60.0
_KEYWORD_READ_TIMEOUT = 10.0
_HEALTH_READ_TIMEOUT = 5.0
ERROR_DETAIL_CHARS = 200

# The connection broke (refused, reset, closed without an answer). A read is
# idempotent and may be sent once more; a delivery is left to the outbox.
_CONNECTION_ERRORS = (httpx.NetworkError, httpx.RemoteProtocolError)
_CONFIGURATION_ERRORS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)

QueryParams = list[tuple[str, str]]


class Connection:
    """One EverMemOS server at `base_url` + `prefix`: sends calls, decodes answers."""

    def __init__(
        self,
        *,
        base_url: str,
        prefix: str,
        api_key: str = "",
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = base_url.strip().rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError(
                f"EverMemOS base URL must start with http:// or https://: {base_url!r}"
            )
        if timeout <= 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("EverMemOS timeouts must be positive.")
        self.base_url = base
        self.prefix = "/" + prefix.strip().strip("/") if prefix.strip("/ ") else ""
        self.api_key = api_key.strip()
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        # Reads serve pages and drafts: they give up long before a delivery would.
        self.read_timeout = httpx.Timeout(min(timeout, read_timeout), connect=connect_timeout)
        self.keyword_timeout = httpx.Timeout(
            min(timeout, read_timeout, _KEYWORD_READ_TIMEOUT), connect=connect_timeout
        )
        self.health_timeout = httpx.Timeout(
            min(timeout, _HEALTH_READ_TIMEOUT), connect=connect_timeout
        )
        self._owns_client = client is None
        self.client = (
            client
            if client is not None
            else httpx.Client(
                transport=transport,
                timeout=self.timeout,
                headers={"Accept": "application/json", "User-Agent": "helpdesk-evermemos/1"},
            )
        )

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        body: Mapping[str, Any] | None = None,
        timeout: httpx.Timeout | None = None,
        attempts: int = 1,
    ) -> tuple[int, Any]:
        """Send one call; return (status, parsed JSON or None) for a 2xx, else raise
        MemoryBackendError. `attempts` > 1 resends only when the connection broke."""
        url = f"{self.base_url}{self.prefix}{path}"
        for attempt in range(1, attempts + 1):
            request_id = uuid.uuid4().hex
            headers = {"X-Request-Id": request_id}
            if self.api_key:
                headers["Authorization"] = f"Bearer {self.api_key}"
            label = f"EverMemOS {method} {path} (request {request_id})"
            try:
                response = self.client.request(
                    method,
                    url,
                    # The same pairs as a tuple: httpx types a list of them as list[tuple[str,
                    # str | int | ...]], which a list[tuple[str, str]] is not (list is invariant).
                    params=tuple(params) if params is not None else None,
                    json=body,
                    headers=headers,
                    timeout=timeout or self.timeout,
                )
            except httpx.TimeoutException as error:
                raise MemoryBackendError(f"{label} timed out", retryable=True) from error
            except _CONNECTION_ERRORS as error:
                if attempt < attempts:
                    logger.info("%s lost its connection; sending it once more", label)
                    continue
                raise MemoryBackendError(
                    f"{label} failed: {describe_exception(error)}", retryable=True
                ) from error
            except _CONFIGURATION_ERRORS as error:
                raise MemoryBackendError(
                    f"{label} cannot be sent: {describe_exception(error)}", retryable=False
                ) from error
            except httpx.TransportError as error:
                raise MemoryBackendError(
                    f"{label} failed: {describe_exception(error)}", retryable=True
                ) from error
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                raise MemoryBackendError(
                    f"{label} failed: {describe_exception(error)}", retryable=False
                ) from error
            return response.status_code, decode(response, label)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def get_health(self) -> httpx.Response:
        """`GET /health` (no prefix, no key); transport errors propagate to the caller."""
        return self.client.get(f"{self.base_url}{HEALTH_PATH}", timeout=self.health_timeout)


class Client:
    """What both version clients share around their `Connection`: closing it, `with`."""

    _http: Connection

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def check_methods(methods: Iterable[str], known: frozenset[str], label: str) -> None:
    for method in methods:
        if method not in known:
            raise ValueError(
                f"Unknown {label} method {method!r}; use one of {', '.join(sorted(known))}."
            )


def connection_settings(default_prefix: str) -> dict[str, Any]:
    """The `EVERMEMOS_*` settings of the connection, as keyword arguments of a client."""
    base_url = getattr(settings, "EVERMEMOS_BASE_URL", "")
    if not base_url:
        raise ImproperlyConfigured("EVERMEMOS_BASE_URL must be set to use EverMemOS.")
    return {
        "base_url": base_url,
        "api_key": getattr(settings, "EVERMEMOS_API_KEY", ""),
        "path_prefix": getattr(settings, "EVERMEMOS_PATH_PREFIX", "") or default_prefix,
        "timeout": float(getattr(settings, "EVERMEMOS_TIMEOUT", 60.0)),
        "connect_timeout": float(getattr(settings, "EVERMEMOS_CONNECT_TIMEOUT", 5.0)),
        "read_timeout": float(getattr(settings, "EVERMEMOS_READ_TIMEOUT", 10.0)),
    }


def decode(response: httpx.Response, label: str) -> Any:
    """The JSON of a 2xx answer (None when it has no body); any other status raises."""
    if not response.is_success:
        raise status_error(response, label)
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError as error:
        raise MemoryBackendError(
            f"{label} answered {response.status_code} with malformed JSON", retryable=False
        ) from error


def status_error(response: httpx.Response, label: str) -> MemoryBackendError:
    """5xx, 408, 409 and 429 are worth retrying (unless `x-should-retry` says otherwise);
    a validation answer (400, 422) never is."""
    status = response.status_code
    retryable = status in _RETRYABLE_STATUSES or status >= 500
    should_retry = response.headers.get("x-should-retry", "").strip().lower()
    if should_retry in {"true", "false"}:
        retryable = should_retry == "true"
    if status in _INVALID_STATUSES:
        retryable = False
    retry_after = _retry_after(response.headers) if retryable else None
    detail = _error_detail(response)
    message = f"{label} answered {status}"
    if status in _INVALID_STATUSES:
        message += " (the request is invalid; not retried)"
    message += f": {detail}" if detail else ""
    return MemoryBackendError(message, retryable=retryable, retry_after=retry_after, status=status)


def _error_detail(response: httpx.Response) -> str:
    """The message of any error envelope (`{code, message, ...}` of either version, or a
    framework's `{detail}`), else the start of the body."""
    try:
        payload = response.json()
    except ValueError:
        return response.text.strip()[:ERROR_DETAIL_CHARS]
    if isinstance(payload, dict):
        message = payload.get("message") or payload.get("detail") or payload.get("error")
        if isinstance(message, list):  # FastAPI's 422: [{loc: [...], msg, type}, ...]
            message = "; ".join(_validation_item(item) for item in message)
        code = payload.get("code")
        text = str(message) if message else ""
        if code:
            text = f"{code} {text}".strip()
        return text[:ERROR_DETAIL_CHARS]
    return str(payload)[:ERROR_DETAIL_CHARS]


def _validation_item(item: Any) -> str:
    """`body.create_time: Input should be a valid string` from one FastAPI error item."""
    if not isinstance(item, dict):
        return str(item)
    location = item.get("loc")
    where = ".".join(str(part) for part in location) if isinstance(location, list) else ""
    text = str(item.get("msg") or item.get("message") or "")
    return f"{where}: {text}" if where else text


def _retry_after(headers: httpx.Headers) -> float | None:
    """`retry-after-ms`, else `Retry-After` (seconds or HTTP date), capped at 60 s."""
    seconds: float | None = None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            seconds = float(milliseconds) / 1000
        except ValueError:
            seconds = None
    value = headers.get("retry-after")
    if seconds is None and value:
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None and when.tzinfo is not None:
                seconds = (when - datetime.datetime.now(tz=datetime.UTC)).total_seconds()
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def describe_exception(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
