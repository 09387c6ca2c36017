"""API rate limits: per user for authenticated calls, per client address for anonymous ones.

DRF's classes read the rates once, when they are imported; these read them on
every request, so a changed setting (tests, `override_settings`) applies at once.
A rate of None (`off` in the environment) lets every request through.

DRF checks throttles only after authentication and permissions pass, so on its
own the anonymous rate would never count a call without valid credentials;
`anonymous_failure_throttled` counts those too (token guessing, a misconfigured
client in a loop).
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings

from helpdesk.channels.widget import Visitor
from helpdesk.security import client_ip


class _CurrentRatesMixin:
    scope: str

    def get_rate(self) -> str | None:
        # The stubs type the rates as numbers; DRF's are strings ("100/min") or None.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value]

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class AnonymousRateThrottle(_CurrentRatesMixin, throttling.AnonRateThrottle):
    scope = "anon"


class UserRateThrottle(_CurrentRatesMixin, throttling.UserRateThrottle):
    scope = "user"


def anonymous_failure_throttled(request: Request, view: Any) -> Throttled | None:
    """Count a call refused for missing or wrong credentials; Throttled once over the rate."""
    throttle = AnonymousRateThrottle()
    if throttle.allow_request(request, view):
        return None
    return Throttled(wait=throttle.wait())


class WidgetAddressThrottle(_CurrentRatesMixin, throttling.SimpleRateThrottle):
    """Chat widget calls per client address (a flood from one place, whatever the tokens)."""

    scope = "widget_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WidgetVisitorThrottle(_CurrentRatesMixin, throttling.SimpleRateThrottle):
    """Chat widget messages per visitor (one chat typing faster than a person could)."""

    scope = "widget_visitor"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        visitor = request.auth
        if not isinstance(visitor, Visitor):
            return None
        ident = f"{visitor.site.pk}:{visitor.visitor}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
