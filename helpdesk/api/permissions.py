"""Who may call the API: agents only."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tickets.selectors import is_agent


class IsHelpdeskStaff(BasePermission):
    """Agents may read; writes also need the view's `write_permission`, if it names one."""

    message = "Only helpdesk agents may use this endpoint."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and is_agent(user)):
            return False
        permission = getattr(view, "write_permission", None)
        if request.method in SAFE_METHODS or permission is None:
            return True
        return user.has_perm(permission)
