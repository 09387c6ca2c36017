from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response


def _database_state() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


@extend_schema(
    responses=inline_serializer(
        "Health",
        {
            "status": serializers.CharField(),
            "database": serializers.DictField(),
            "memory": serializers.DictField(),
        },
    ),
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    """State of the database and the memory backend; no secrets, no auth."""
    database = _database_state()
    body = {
        "status": "ok" if database["ok"] else "unavailable",
        "database": database,
        "memory": {"backend": settings.MEMORY_BACKEND},
    }
    code = status.HTTP_200_OK if database["ok"] else status.HTTP_503_SERVICE_UNAVAILABLE
    return Response(body, status=code)
