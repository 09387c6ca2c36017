"""Webhook delivery: POST each queued event to its subscriber, signed, after commit.

`webhook_deliver_due` is what the outbox worker (the in-process thread or the Celery task,
the same that deliver the memory mirror and e-mail) runs. It claims due deliveries with the
shared outbox's claim and lease (`helpdesk.outbox.claim_due`), POSTs each body with
`httpx` (`WEBHOOK_TIMEOUT` per network step, redirects not followed), and records:

- a 2xx answer: delivered;
- a 5xx, 408 or 429 answer, a timeout, a connection error: a retry, with the outbox's
  backoff (or the subscriber's Retry-After, if longer), failed after
  `WEBHOOK_MAX_ATTEMPTS` tries;
- any other answer (4xx, a redirect): failed at once, the answer kept for the admin.

A subscriber that hangs or is down costs one timeout per pass: its other deliveries of
that pass back off with it without being tried. Delivery is at least once (a worker that
dies after the subscriber answered, before it wrote that down, sends again when its lease
runs out): the `X-Helpdesk-Delivery` header (the event id) lets subscribers deduplicate.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from helpdesk.outbox import (
    DeliveryReport,
    OutboxFigures,
    claim_due,
    hand_back_if_stopping,
    next_due_at,
    outbox_state,
    record_delivered,
    record_failure,
    wake_backed_off,
)
from helpdesk.webhooks.models import WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

LABEL = "Webhook delivery"
RESPONSE_EXCERPT_BYTES = 1000
SIGNATURE_HEADER = "X-Helpdesk-Signature"
RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "helpdesk-webhooks/1"


class WebhookAnswerError(Exception):
    """The subscriber answered, but not with a 2xx."""

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"The subscriber answered {status}")
        self.status = status
        self.retry_after = retry_after


class SubscriptionInactiveError(Exception):
    """The subscription was deactivated after the event was queued."""


def body_bytes(payload: object) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the secret's text."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_headers(row: WebhookDelivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Helpdesk-Event": row.event,
        "X-Helpdesk-Delivery": str(row.event_id),
        SIGNATURE_HEADER: signature(row.subscription.secret, body),
    }


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, min(float(value), 3600.0)) if value else None
    except ValueError:
        return None  # an HTTP date: the backoff decides


def retryable(error: BaseException) -> bool:
    if isinstance(error, WebhookAnswerError):
        return error.status >= 500 or error.status in RETRYABLE_STATUSES
    # Timeouts, refused or reset connections, anything unexpected: yes.
    return not isinstance(error, SubscriptionInactiveError)


def error_message(error: BaseException) -> str:
    if isinstance(error, WebhookAnswerError):
        if 300 <= error.status < 400:
            return f"The subscriber answered {error.status} (redirects are not followed)"
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return f"No answer within {settings.WEBHOOK_TIMEOUT} s ({type(error).__name__})"
    if isinstance(error, httpx.TransportError):
        return f"Could not reach the subscriber ({type(error).__name__}: {error})"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    retry_after: float | None


def _post(client: httpx.Client, row: WebhookDelivery) -> Answer:
    """POST one delivery and read the start of the answer; raises when there is none."""
    subscription = row.subscription
    if not subscription.is_active:
        raise SubscriptionInactiveError("The subscription was deactivated; not sent.")
    body = body_bytes(row.payload)
    with client.stream(
        "POST", subscription.url, content=body, headers=request_headers(row, body)
    ) as response:
        excerpt = b""
        for chunk in response.iter_bytes():
            excerpt += chunk
            if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                break
    # Whatever the subscriber sent, as text a database can hold (PostgreSQL: no NUL).
    text = excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "\ufffd")
    return Answer(response.status_code, text, _retry_after(response))


def _record(
    row: WebhookDelivery,
    *,
    started: float | None,
    answer: Answer | None = None,
    error: BaseException | None = None,
    tried: bool = True,
) -> DeliveryReport:
    """Write down one try: the answer on the row, a line in its attempt log, and the
    outbox's delivered or failed (retry, or for good)."""
    duration = round((time.monotonic() - started) * 1000) if started is not None else None
    fields = {
        "response_status": answer.status if answer is not None else None,
        "response_body": answer.excerpt if answer is not None else "",
        "duration_ms": duration,
    }
    message = ""
    if error is not None:
        message = error_message(error)
        if not tried:
            message = f"Not tried: another delivery to this subscriber just failed ({message})"
    WebhookAttempt.objects.create(
        delivery=row,
        number=row.attempts,
        response_status=fields["response_status"],
        duration_ms=duration,
        error=message,
    )
    if error is None:
        return record_delivered(row, **fields)
    WebhookDelivery.objects.filter(pk=row.pk).update(**fields)
    return record_failure(
        row,
        error,
        retryable=retryable(error),
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        label=LABEL,
        retry_after=error.retry_after if isinstance(error, WebhookAnswerError) else None,
        message=message,
    )


def _subscriber_down(error: BaseException) -> bool:
    """An error that the subscriber's other deliveries of this pass would meet too."""
    if isinstance(error, WebhookAnswerError):
        return error.status >= 500 or error.status in RETRYABLE_STATUSES
    return isinstance(error, httpx.TransportError)


def http_client() -> httpx.Client:
    return httpx.Client(
        timeout=settings.WEBHOOK_TIMEOUT,
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: subscribers are called directly
    )


def webhook_deliver_due(
    *,
    limit: int = 20,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """One pass: claim the due deliveries and POST them, oldest first.

    Deliveries claimed but not sent (told to stop, out of time, the lease over) go back to
    the queue untouched.
    """
    rows = claim_due(
        WebhookDelivery,
        limit=limit,
        lease_seconds=settings.WEBHOOK_LEASE_SECONDS,
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        label="webhook deliveries",
        related=("subscription",),
    )
    if not rows:
        return DeliveryReport()
    report = DeliveryReport()
    down: dict[int, BaseException] = {}  # subscription id: what it failed with this pass
    with http_client() as client:
        for index, row in enumerate(rows):
            if hand_back_if_stopping(
                WebhookDelivery, rows, index, deadline=deadline, should_stop=should_stop
            ):
                break
            if row.subscription_id in down:
                report += _record(row, started=None, error=down[row.subscription_id], tried=False)
                continue
            started = time.monotonic()
            try:
                answer = _post(client, row)
            except (OperationalError, InterfaceError):
                raise
            except Exception as error:
                if not isinstance(error, httpx.HTTPError | SubscriptionInactiveError):
                    logger.exception("Webhook delivery %s could not be sent", row.id)
                report += _record(row, started=started, error=error)
                if _subscriber_down(error):
                    down[row.subscription_id] = error
                continue
            if not 200 <= answer.status < 300:
                refused = WebhookAnswerError(answer.status, answer.retry_after)
                report += _record(row, started=started, answer=answer, error=refused)
                if _subscriber_down(refused):
                    down[row.subscription_id] = refused
                continue
            report += _record(row, started=started, answer=answer)
            if row.attempts > 1:  # it had failed before: this subscriber is back
                wake_backed_off(
                    WebhookDelivery,
                    now=timezone.now(),
                    label=f"Webhook subscriber {row.subscription_id}",
                    where=Q(subscription_id=row.subscription_id),
                )
    if report.attempted:
        logger.info(
            "Webhooks: %s delivered, %s retrying, %s failed",
            report.delivered,
            report.retrying,
            report.failed,
        )
    return report


def webhook_next_due_at() -> datetime.datetime | None:
    """When a webhook delivery may next be claimed (a retry falls due, a lease runs out)."""
    return next_due_at(WebhookDelivery)


def webhook_state() -> OutboxFigures:
    """The outbox figures of webhook deliveries."""
    return outbox_state(WebhookDelivery.objects.all())
