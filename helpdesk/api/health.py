"""`/api/health/`: the database, the memory backend, and the outbox: the mirror's backlog,
outgoing e-mail's and webhook deliveries'."""

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

from helpdesk.channels.outgoing import outgoing_mail_state
from helpdesk.memory.selectors.sync import mirror_state
from helpdesk.webhooks.delivery import webhook_state


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
    shows (entries waiting, retrying after a failed try, failed, and how old
    the oldest waiting one is). Memory is not ok while entries fail or retry,
    or while the backlog is older than `MIRROR_BACKLOG_ALERT_SECONDS` (no
    worker delivering); the status is then "degraded", still with a 200. Outgoing e-mail
    (`outbox.email`) and webhook deliveries (`outbox.webhooks`) that fail, retry or lag
    likewise make it "degraded".
    """
    database = _database_state()
    if not database["ok"]:
        body = {"status": "unavailable", "database": database, "memory": {}, "outbox": {}}
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    mirror = mirror_state()
    age = mirror.oldest_pending_age_seconds
    mail = outgoing_mail_state()
    mail_age = mail.oldest_pending_age_seconds
    # The mirror's figures at the top (as before e-mail went out), each outbox's under its name.
    hooks = webhook_state()
    outbox = {
        **mirror.as_health(),
        "memory": mirror.as_health(),
        "email": mail.as_health(),
        "webhooks": hooks.as_health(),
    }
    lagging = age is not None and age > settings.MIRROR_BACKLOG_ALERT_SECONDS
    memory_ok = not (mirror.failed or mirror.retrying or lagging)
    memory = {"backend": settings.MEMORY_BACKEND, "ok": memory_ok}
    mail_lagging = mail_age is not None and mail_age > settings.MIRROR_BACKLOG_ALERT_SECONDS
    mail_ok = not (mail.failed or mail.retrying or mail_lagging)
    hooks_age = hooks.oldest_pending_age_seconds
    hooks_lagging = hooks_age is not None and hooks_age > settings.MIRROR_BACKLOG_ALERT_SECONDS
    hooks_ok = not (hooks.failed or hooks.retrying or hooks_lagging)
    body = {
        "status": "ok" if memory_ok and mail_ok and hooks_ok else "degraded",
        "database": database,
        "memory": memory,
        "outbox": outbox,
    }
    return Response(body)
