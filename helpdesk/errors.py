"""The application's errors that a user can act on, and how the API answers each.

Services raise a subclass; the API's exception handler (`helpdesk.api.errors`) answers with
its `status` and `body()`, and the portal shows its message. Bad field values are Django's
`ValidationError` (400), as everywhere in Django.
"""

from __future__ import annotations

from typing import Any


class HelpdeskError(Exception):
    """The request cannot be done as asked; the message says why, for a person to read."""

    status = 400

    def body(self) -> dict[str, Any]:
        return {"detail": str(self)}


class ConflictError(HelpdeskError):
    """The current state of a record does not allow the action."""

    status = 409
