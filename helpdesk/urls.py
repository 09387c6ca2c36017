"""The site's routes: the portal, the API, the admin and the login pages."""

import copy
import functools
from collections.abc import Callable
from typing import Any

from anymail.urls import urlpatterns as anymail_patterns
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, include, path
from django.views.generic import RedirectView

from helpdesk.api.widget.assets import widget_asset
from helpdesk.portal.urls import customer_patterns, ticket_patterns


def _when_configured(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A provider webhook answers only when its secret is set (without one, anymail would
    take mail from anyone)."""

    @login_not_required  # the provider authenticates by the secret, not by a session
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.INBOUND_EMAIL_WEBHOOKS:
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def _provider_patterns() -> list[URLPattern]:
    """Anymail's inbound webhooks only (not its delivery tracking), each guarded."""
    patterns = []
    for pattern in anymail_patterns:
        if isinstance(pattern, URLPattern) and "inbound" in str(pattern.pattern):
            guarded = copy.copy(pattern)
            guarded.callback = _when_configured(pattern.callback)
            patterns.append(guarded)
    return patterns


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:queue", permanent=False), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tickets/", include((ticket_patterns, "tickets"))),
    path("customers/", include((customer_patterns, "customers"))),
    path("api/", include(("helpdesk.api.urls", "api"))),
    path("admin/", admin.site.urls),
    path("widget.js", widget_asset, {"name": "widget.js"}, name="widget-js"),
    path("widget.css", widget_asset, {"name": "widget.css"}, name="widget-css"),
    path("inbound/anymail/", include((_provider_patterns(), "anymail"))),
]

handler404 = "helpdesk.api.errors.page_not_found"
handler500 = "helpdesk.api.errors.server_error"
