"""Who may open the portal's pages: agents only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import permission_required
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
