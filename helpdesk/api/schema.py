"""The OpenAPI schema documents the errors every endpoint can answer, not just its success.

`ErrorDocumentingAutoSchema` adds them from what the view is: 401 and 403 where it needs
authentication, 400 where it reads a body or query parameters, 404 where the path names an
object or the list is paginated (a page past the end), 413 and 415 where it reads a body, and 429
where throttling applies. A view documents its own 409 (and anything else) with
`extend_schema(responses=...)`, which wins over these defaults.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction, OpenApiResponse
from rest_framework import serializers

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")


class ConflictSerializer(ErrorSerializer):
    id = serializers.IntegerField(
        required=False, help_text="The existing object's id, where one caused the conflict."
    )


VALIDATION_ERROR: dict[str, Any] = {
    "type": "object",
    "description": "A list of messages per field; `detail` or `non_field_errors` for the "
    "request as a whole.",
    "additionalProperties": {},
}


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def conflict(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ConflictSerializer, description=description)


class ErrorDocumentingAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors: dict[str, OpenApiResponse] = {}
        has_body = self.method in WRITE_METHODS and self.get_request_serializer() is not None
        has_query = bool(self._get_filter_parameters() or self._get_pagination_parameters())
        if has_body or has_query or self.get_override_parameters():
            errors["400"] = OpenApiResponse(
                response=VALIDATION_ERROR, description="Bad input: a message per field."
            )
        if self.get_auth():
            errors["401"] = error("No or an unknown token.")
            errors["403"] = error("Authenticated, but not a helpdesk agent or not allowed this.")
        if "{" in self.path or self._get_pagination_parameters():
            errors["404"] = error("No such object, or a page past the end of the list.")
        if has_body:
            errors["413"] = error("The request body is over the upload limit.")
            errors["415"] = error("The body's Content-Type is not JSON, a form or multipart.")
        if self.view.get_throttles():
            errors["429"] = error("Too many requests; `Retry-After` says when to try again.")
        return errors
