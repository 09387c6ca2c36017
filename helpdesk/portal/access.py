"""Who may open the portal's pages: agents only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import permission_required

View = TypeVar("View", bound=Callable[..., Any])


def agent_required(view: View) -> View:
    """Logged-in users who are not agents get 403 (LoginRequiredMiddleware handles anonymous)."""
    return permission_required("tickets.view_ticket", raise_exception=True)(view)
