"""PRODUCTION=true refuses unsafe configurations and turns on HTTPS-only defaults.

Each test runs settings.py afresh with a given environment (the running
Django keeps its own settings).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.environment import secret_key_is_weak
from tests.helpdesk.test_settings import SETTINGS_FILE, environment_variables

REAL_KEY = secrets.token_urlsafe(50)


def test_production_refuses_to_start_without_a_secret_key(load_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="PRODUCTION needs SECRET_KEY"):
        load_settings(PRODUCTION="true")


@pytest.mark.parametrize(
    "key",
    [
        "short-but-over-32-characters-0123456789",
        "django-insecure-" + "x" * 50,
        "ab" * 40,
        "changeme-changeme-changeme-changeme-changeme-changeme",
        "please-replace-this-with-a-long-random-string-0123456789",
        "Xq7" + "k2Pz9mW4" * 8,  # one chunk over and over
    ],
)
def test_production_refuses_a_weak_secret_key(load_settings: Any, key: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="too weak"):
        load_settings(PRODUCTION="true", SECRET_KEY=key)


def test_production_refuses_debug(load_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be off"):
        load_settings(PRODUCTION="true", DEBUG="true", SECRET_KEY=REAL_KEY)


def test_production_accepts_a_key_from_a_file(load_settings: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(REAL_KEY + "\n", encoding="utf-8")

    loaded = load_settings(PRODUCTION="true", SECRET_KEY_FILE=str(key_file))

    assert loaded["SECRET_KEY"] == REAL_KEY


def test_production_makes_cookies_secure_and_turns_on_https_and_hsts(load_settings: Any) -> None:
    loaded = load_settings(PRODUCTION="true", SECRET_KEY=REAL_KEY)

    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SESSION_COOKIE_HTTPONLY"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 31_536_000
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SECURE_HSTS_PRELOAD"] is False


def test_the_demo_keeps_plain_http_defaults(load_settings: Any) -> None:
    loaded = load_settings()

    assert loaded["PRODUCTION"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is False
    assert loaded["SECURE_HSTS_SECONDS"] == 0
    assert len(loaded["SECRET_KEY"]) >= 50  # generated into var/


def test_production_defaults_can_be_set_one_by_one(load_settings: Any) -> None:
    loaded = load_settings(
        PRODUCTION="true",
        SECRET_KEY=REAL_KEY,
        SECURE_HSTS_SECONDS="3600",
        SECURE_SSL_REDIRECT="false",
    )

    assert loaded["SECURE_HSTS_SECONDS"] == 3600
    assert loaded["SECURE_SSL_REDIRECT"] is False


def test_proxy_ssl_header_is_read_as_header_and_value(load_settings: Any) -> None:
    loaded = load_settings(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")

    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_proxy_ssl_header_without_a_value_is_improperly_configured(load_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        load_settings(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")


@pytest.mark.parametrize(
    ("value", "rate"), [("600/min", "600/min"), ("5/S", "5/s"), ("off", None), ("", None)]
)
def test_api_throttle_rates_are_read_from_the_environment(
    load_settings: Any, value: str, rate: str | None
) -> None:
    loaded = load_settings(API_THROTTLE_USER=value)

    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["user"] == rate


@pytest.mark.parametrize("value", ["600", "many/min", "10/fortnight"])
def test_a_malformed_api_throttle_rate_is_improperly_configured(
    load_settings: Any, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_ANON"):
        load_settings(API_THROTTLE_ANON=value)


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if key not in environment_variables()
    }
    environment.update(
        PRODUCTION="true",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="helpdesk.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=SETTINGS_FILE.parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_random_keys_are_not_taken_for_weak_ones() -> None:
    assert not any(secret_key_is_weak(secrets.token_urlsafe(50)) for _ in range(200))
