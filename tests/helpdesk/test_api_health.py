from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from helpdesk.memory.models import MirrorEntry
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_health_without_credentials_is_200(anonymous_api_client: APIClient) -> None:
    response = anonymous_api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"]["ok"] is True


def test_health_names_the_memory_backend(anonymous_api_client: APIClient) -> None:
    response = anonymous_api_client.get("/api/health/")

    assert response.json()["memory"]["backend"] == settings.MEMORY_BACKEND


def test_health_shows_no_secrets(anonymous_api_client: APIClient, settings: Settings) -> None:
    settings.EVERMEMOS_API_KEY = "evermemos-key-must-not-leak"
    settings.OPENAI_API_KEY = "openai-key-must-not-leak"

    text = anonymous_api_client.get("/api/health/").content.decode()

    assert "must-not-leak" not in text
    assert settings.SECRET_KEY not in text


def test_health_ignores_a_bad_token(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get("/api/health/").status_code == 200


def test_health_is_degraded_while_the_outbox_backlog_is_older_than_the_alert(
    anonymous_api_client: APIClient, settings: Settings, ticket: Ticket
) -> None:
    settings.MIRROR_BACKLOG_ALERT_SECONDS = 60
    fresh = anonymous_api_client.get("/api/health/").json()
    MirrorEntry.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))

    stale = anonymous_api_client.get("/api/health/").json()

    assert fresh["status"] == "ok"
    assert stale["status"] == "degraded"
    assert stale["memory"]["ok"] is False
    assert stale["outbox"]["pending"] == 1
    assert stale["outbox"]["oldest_pending_age_seconds"] >= 120
