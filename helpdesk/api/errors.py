"""One JSON error shape for the API: a readable message per field, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.api.throttles import anonymous_failure_throttled
from helpdesk.errors import HelpdeskError


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        error = ValidationError(detail)
    elif isinstance(error, HelpdeskError):
        return Response(error.body(), status=error.status)
    elif isinstance(error, RequestDataTooBig):
        return Response(
            {"detail": "The request body is too large."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(error, NotAuthenticated | AuthenticationFailed) and "request" in context:
        error = anonymous_failure_throttled(context["request"], context.get("view")) or error
    return drf_exception_handler(error, context)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: an API path that matches no route (`/api/tickets/1.5/`) answers JSON."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: API clients get JSON even when something broke."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Internal error; it has been logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request)
