"""Repeated failed logins lock a username out from one address, on the portal and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from helpdesk.security import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def log_in(client: Client, username: str, password: str, *, url: str = LOGIN) -> HttpResponse:
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, *, url: str = LOGIN) -> HttpResponse:
    for _ in range(times):
        response = log_in(client, username, "wrong-password", url=url)
    return response


def test_four_failures_still_show_the_login_form(client: Client, agent: User) -> None:
    response = fail(client, agent.username, 4)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_fifth_failure_locks_out_with_a_clear_page(client: Client, agent: User) -> None:
    response = fail(client, agent.username, 5)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert f"After 5 failed logins for <strong>{agent.username}</strong>" in html
    assert "paused for 15 minutes" in html


def test_locked_out_username_is_refused_even_with_the_right_password(
    client: Client, agent: User
) -> None:
    fail(client, agent.username, 5)

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client: Client, agent: User) -> None:
    fail(client, agent.username, 5)
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")

    same_user_elsewhere = log_in(elsewhere, agent.username, PASSWORD)
    other_user_here = fail(client, "someone-else", 1)

    assert same_user_elsewhere.status_code == 302
    assert other_user_here.status_code == 200


def test_lockout_ends_after_the_cool_off(client: Client, agent: User) -> None:
    fail(client, agent.username, 5)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    response = log_in(client, agent.username, PASSWORD)

    assert response.status_code == 302


def test_a_success_resets_the_count(client: Client, agent: User) -> None:
    fail(client, agent.username, 4)
    log_in(client, agent.username, PASSWORD)
    client.logout()

    response = fail(client, agent.username, 4)

    assert response.status_code == 200


def test_admin_login_locks_out_too(client: Client, superuser: User) -> None:
    response = fail(client, superuser.username, 5, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_failure_limit_and_cool_off_come_from_settings(
    client: Client, agent: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)

    response = fail(client, agent.username, 2)

    assert response.status_code == 429
    assert "paused for 1 minute." in response.content.decode()


def test_client_ip_is_the_connection_without_proxies(settings: Settings) -> None:
    settings.NUM_PROXIES = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "10.0.0.2"


def test_client_ip_behind_one_proxy_ignores_what_the_client_forwarded(settings: Settings) -> None:
    settings.NUM_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )

    assert client_ip(request) == "203.0.113.9"
