"""One JSON error shape for the API: a readable message per field, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from customers.services import CustomerAlreadyExistsError
from helpdesk.api.throttles import anonymous_failure_throttled
from tickets.services import TicketConflictError


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        error = ValidationError(detail)
    elif isinstance(error, CustomerAlreadyExistsError):
        return Response(
            {"detail": str(error), "id": error.existing.pk}, status=status.HTTP_409_CONFLICT
        )
    elif isinstance(error, TicketConflictError):
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(error, RequestDataTooBig):
        return Response(
            {"detail": "The request body is too large."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(error, NotAuthenticated | AuthenticationFailed) and "request" in context:
        error = anonymous_failure_throttled(context["request"], context.get("view")) or error
    return drf_exception_handler(error, context)
