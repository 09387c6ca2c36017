from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response


def not_implemented(feature: str) -> Response:
    """The answer of an endpoint whose part of the product has not landed yet."""
    return Response(
        {"detail": f"{feature} is not available yet in this version of the helpdesk."},
        status=status.HTTP_501_NOT_IMPLEMENTED,
    )
