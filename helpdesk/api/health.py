from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.mirror import mirror_state


def _database_state() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


HEALTH = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "unavailable"]),
        "database": serializers.DictField(),
        "memory": serializers.DictField(),
        "outbox": serializers.DictField(),
    },
)


@extend_schema(
    responses={
        200: HEALTH,
        503: OpenApiResponse(HEALTH, description="The database is unavailable."),
    },
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])  # load balancers and monitors probe it often, from one address
def health(request: Request) -> Response:
    """State of the database, the memory backend and its outbox; no secrets, no auth.

    The memory backend itself is not called here: its state is what the outbox
    shows (entries waiting, failed, and how old the oldest waiting one is).
    """
    database = _database_state()
    if not database["ok"]:
        body = {"status": "unavailable", "database": database, "memory": {}, "outbox": {}}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    mirror = mirror_state()
    outbox = {
        "pending": mirror.pending,
        "failed": mirror.failed,
        "oldest_pending_age_seconds": mirror.oldest_pending_age_seconds,
    }
    memory = {"backend": settings.MEMORY_BACKEND, "ok": mirror.failed == 0}
    body = {
        "status": "ok" if mirror.failed == 0 else "degraded",
        "database": database,
        "memory": memory,
        "outbox": outbox,
    }
    return Response(body)
