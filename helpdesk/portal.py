"""Small helpers shared by the portal's views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

View = TypeVar("View", bound=Callable[..., Any])


class AuthenticatedHttpRequest(HttpRequest):
    """For annotations only: a request that `agent_required` (or the admin) let through,
    so its user is logged in, never `AnonymousUser`."""

    user: User


def agent_required(view: View) -> View:
    """Logged-in users who are not agents get 403 (LoginRequiredMiddleware handles anonymous)."""
    return permission_required("tickets.view_ticket", raise_exception=True)(view)


def paginate(request: HttpRequest, items: QuerySet, per_page: int | None = None) -> Page:
    paginator = Paginator(items, per_page or settings.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
