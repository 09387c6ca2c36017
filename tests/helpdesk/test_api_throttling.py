"""API rate limits: per user and per anonymous address, answered with 429 in the API's shape."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings: Settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"},
    }


@pytest.mark.usefixtures("rates")
def test_a_user_over_the_rate_gets_429_json_with_retry_after(api_client: APIClient) -> None:
    answers = [api_client.get("/api/tickets/").status_code for _ in range(3)]

    response = api_client.get("/api/tickets/")

    assert answers == [200, 200, 200]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.usefixtures("rates")
def test_users_are_counted_apart(api_client: APIClient, other_agent: User) -> None:
    for _ in range(3):
        api_client.get("/api/tickets/")

    response = token_client(other_agent).get("/api/tickets/")

    assert response.status_code == 200


@pytest.mark.usefixtures("rates")
def test_anonymous_calls_are_counted_per_address() -> None:
    here, elsewhere = APIClient(), APIClient(REMOTE_ADDR="198.51.100.7")
    answers = [here.get("/api/tickets/").status_code for _ in range(3)]

    assert answers == [401, 401, 429]
    assert elsewhere.get("/api/tickets/").status_code == 401


@pytest.mark.usefixtures("rates")
def test_guessed_tokens_count_against_the_anonymous_rate() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    answers = [client.get("/api/tickets/").status_code for _ in range(3)]

    assert answers == [401, 401, 429]


@pytest.mark.usefixtures("rates")
def test_health_is_never_throttled() -> None:
    client = APIClient()

    answers = {client.get("/api/health/").status_code for _ in range(5)}

    assert answers == {200}


def test_a_rate_of_none_lets_every_call_through(api_client: APIClient, settings: Settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None},
    }

    answers = {api_client.get("/api/tickets/").status_code for _ in range(5)}

    assert answers == {200}


def test_default_rates_are_600_per_minute_for_users_and_30_for_anonymous(
    settings: Settings,
) -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "user": "600/min",
        "anon": "30/min",
        "widget_address": "120/min",
        "widget_visitor": "20/min",
    }
