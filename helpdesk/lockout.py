"""Login lockout (django-axes): per username and address, per address, and trusted browsers.

Three rules, checked before a password is tried (axes' backend) and after each failure:

- **A username from an address.** `LOGIN_FAILURE_LIMIT` failures lock that pair for
  `LOGIN_COOLOFF_MINUTES` after the last one. After a lock each further failure locks it
  again, and every `LOGIN_FAILURE_LIMIT` failures double the lock, up to
  `LOGIN_COOLOFF_MAX_MINUTES`. A success from that address forgets the pair's failures;
  otherwise they are forgotten twice `LOGIN_COOLOFF_MAX_MINUTES` after the last (a failure
  soon after the longest lock locks that long again).
- **An address.** `LOGIN_ADDRESS_FAILURE_LIMIT` failures from one address, whatever the
  usernames (password spraying), lock the address in the same way.
- **A trusted browser.** A successful login leaves a signed cookie for that user in the
  browser (`LOGIN_TRUSTED_DEVICE_DAYS`). That browser logging in as that user is exempt from
  both locks, so that someone failing from the same address (behind the same NAT) cannot
  lock the agent out; after `LOGIN_FAILURE_LIMIT` failures of its own it is trusted no
  more until it logs in again.

Failures are axes' `AccessAttempt` rows (one per username, address and user agent: the
admin lists them, and deleting them unlocks). Tries refused during a lock are not counted
(`AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False`), so a lock ends when it said it
would. A trusted browser's own failures are counted in the cache (per process without a
shared cache, like the API throttles).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "helpdesk_device"
_DEVICE_SALT = "helpdesk.lockout.device"
_DEVICE_FAILURES = "helpdesk-lockout-device-failures:{}"
# Beyond this many doublings the lock is at its maximum anyway.
_MAX_DOUBLINGS = 32


@dataclass(frozen=True)
class Lock:
    """A lock that applies to a login now: whose (`user` or `address`), and until when."""

    scope: str
    failures: int
    duration: timedelta
    until: datetime


def lock_duration(failures: int, limit: int) -> timedelta | None:
    """How long `failures` lock for, at `limit` per step: None below the limit."""
    if limit <= 0 or failures < limit:
        return None
    doublings = min(failures // limit - 1, _MAX_DOUBLINGS)
    return min(settings.AXES_COOLOFF_TIME * 2**doublings, _longest_lock())


def _longest_lock() -> timedelta:
    return max(settings.LOGIN_COOLOFF_MAX, settings.AXES_COOLOFF_TIME)


def _memory() -> timedelta:
    """How long failures are remembered after the last: past the end of the longest lock."""
    return 2 * _longest_lock()


def _now(request: HttpRequest) -> datetime:
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def _lock(scope: str, attempts: QuerySet[AccessAttempt], limit: int, now: datetime) -> Lock | None:
    totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = totals["failures"] or 0
    duration = lock_duration(failures, limit)
    if duration is None:
        return None
    until = totals["last"] + duration
    return (
        Lock(scope=scope, failures=failures, duration=duration, until=until)
        if until > now
        else None
    )


def _user_tag(username: str) -> str:
    return salted_hmac(_DEVICE_SALT, username).hexdigest()[:32]


def _device_failures_key(device: str) -> str:
    return _DEVICE_FAILURES.format(device)


def _device_for(request: HttpRequest, username: str | None) -> str | None:
    """The id of this browser when its cookie vouches for `username`, else None."""
    days = settings.LOGIN_TRUSTED_DEVICE_DAYS
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if days <= 0 or not username or not raw:
        return None
    try:
        value = signing.loads(raw, salt=_DEVICE_SALT, max_age=timedelta(days=days))
    except signing.BadSignature:  # also an expired one
        return None
    if not isinstance(value, dict) or value.get("user") != _user_tag(username):
        return None
    device = value.get("device")
    return device if isinstance(device, str) and device else None


def trusted_device(request: HttpRequest, username: str | None) -> str | None:
    """This browser's id when it is trusted for `username` now: vouched for, not failing."""
    device = _device_for(request, username)
    if device is None:
        return None
    if cache.get(_device_failures_key(device), 0) >= settings.AXES_FAILURE_LIMIT:
        return None
    return device


def _device_failed(device: str) -> None:
    key, timeout = _device_failures_key(device), int(_memory().total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.set(key, 1, timeout=timeout)


def current_lock(request: HttpRequest, credentials: dict[str, Any] | None = None) -> Lock | None:
    """The lock that refuses this login now, the longest if two apply; None when free.

    Remembered on the request (`helpdesk_lock`) for the lockout page.
    """
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    now = _now(request)
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - _memory(), ip_address=address)
    locks = [
        _lock("user", recent.filter(username=username), settings.AXES_FAILURE_LIMIT, now),
        _lock("address", recent, settings.LOGIN_ADDRESS_FAILURE_LIMIT, now),
    ]
    lock = max((lock for lock in locks if lock), key=lambda lock: lock.until, default=None)
    if lock is not None and trusted_device(request, username) is not None:
        request.helpdesk_trusted_past_lock = True  # type: ignore[attr-defined]
        lock = None
    request.helpdesk_lock = lock  # type: ignore[attr-defined]
    return lock


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the rules of this module instead of its single limit."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return current_lock(request, credentials) is not None

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """axes' one count against `AXES_FAILURE_LIMIT`: at the limit exactly while locked.

        axes locks the login it has just recorded as failed when this reaches the limit.
        """
        limit: int = settings.AXES_FAILURE_LIMIT
        return limit if self.is_locked(request, credentials) else min(0, limit - 1)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        refused_by_lock = getattr(request, "axes_locked_out", False)
        if request is not None and not refused_by_lock:
            device = _device_for(request, get_client_username(request, credentials))
            if device is not None:
                _device_failed(device)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        if settings.LOGIN_TRUSTED_DEVICE_DAYS <= 0:
            return
        username = user.get_username()
        device = _device_for(request, username) or secrets.token_urlsafe(16)
        cache.delete(_device_failures_key(device))
        request.helpdesk_device_cookie = signing.dumps(  # type: ignore[attr-defined]
            {"user": _user_tag(username), "device": device}, salt=_DEVICE_SALT
        )

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a success: forget this username's failures from this address.

        Not the address's other failures, and not when only the browser's trust let the
        login past a lock: whoever caused the lock must not get a fresh start from it.
        """
        if getattr(request, "helpdesk_trusted_past_lock", False):
            return 0
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        attempts = AccessAttempt.objects.filter(username=username, ip_address=address)
        count, _ = attempts.delete()
        return count

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        """Forget failures older than the longest lock (axes would after the first lock's)."""
        now = _now(request) if request is not None else timezone.now()
        count, _ = AccessAttempt.objects.filter(attempt_time__lt=now - _memory()).delete()
        return count


class TrustedDeviceMiddleware:
    """Leaves the trusted-browser cookie on the answer to a successful login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        value = getattr(request, "helpdesk_device_cookie", None)
        if value:
            response.set_cookie(
                DEVICE_COOKIE,
                value,
                max_age=settings.LOGIN_TRUSTED_DEVICE_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def duration_text(duration: timedelta) -> str:
    """ "15 minutes", "2 hours", "1 day": the largest unit that says it exactly."""
    minutes = max(1, math.ceil(duration.total_seconds() / 60))
    count, unit = minutes, "minute"
    for size, name in ((24 * 60, "day"), (60, "hour")):
        if minutes % size == 0:
            count, unit = minutes // size, name
            break
    return f"{count} {unit}{'' if count == 1 else 's'}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a locked-out login gets (portal and admin): 429 with `Retry-After`.

    It says whose lock it is (this username from this address, or the whole address), how
    long it lasts and when to try again.
    """
    lock: Lock | None = getattr(request, "helpdesk_lock", None) or current_lock(
        request, credentials
    )
    now = _now(request)
    if lock is None:  # freed between the refusal and this page: the first lock's length
        duration = settings.AXES_COOLOFF_TIME
        lock = Lock(scope="user", failures=0, duration=duration, until=now + duration)
    until = timezone.localtime(lock.until)
    same_day = until.date() == timezone.localtime(now).date()
    context = {
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "lock": lock,
        "failures": lock.failures or settings.AXES_FAILURE_LIMIT,
        "duration": duration_text(lock.duration),
        "until": until.strftime("%H:%M %Z" if same_day else "%d %b %H:%M %Z"),
        "trusted_devices": settings.LOGIN_TRUSTED_DEVICE_DAYS > 0,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil((lock.until - now).total_seconds())))
    return response
