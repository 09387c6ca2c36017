"""Request-level security: who the client is behind proxies, and the Content-Security-Policy."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from rest_framework.request import Request

API_PREFIX = "/api/"


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address, counted the way DRF's throttles count it.

    With no proxy (`NUM_PROXIES=0`) that is the connection's address. Behind
    `NUM_PROXIES` proxies that each append to X-Forwarded-For, it is the entry the
    outermost one appended: entries further left were sent by the client and
    could be anything.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.NUM_PROXIES <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(settings.NUM_PROXIES, len(addresses))]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The policy of settings.CONTENT_SECURITY_POLICY, everywhere.

    The API's own HTML pages (DRF's browsable API, Swagger UI) come from
    libraries that set inline styles; they may, but they still run only scripts
    from this site.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        content_type = response.get("Content-Type", "")
        if request.path_info.startswith(API_PREFIX) and content_type.startswith("text/html"):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
