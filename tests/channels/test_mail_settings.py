"""EMAIL_URL names the mail server; EMAIL_BACKEND still picks the backend when set."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpdesk.test_settings import SETTINGS_FILE

READ = (
    "import json, helpdesk.settings as s; print(json.dumps({name: getattr(s, name) for name in "
    "['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL']}))"
)


def _settings_with(**variables: str) -> dict[str, object]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "OUTGOING_MAIL_"))
    }
    environment.update(variables)
    started = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", READ],
        cwd=SETTINGS_FILE.resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    read: dict[str, object] = json.loads(started.stdout.strip().splitlines()[-1])
    return read


def test_the_demo_prints_mail_on_the_console() -> None:
    assert _settings_with()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_email_url_names_the_smtp_server_and_its_credentials() -> None:
    read = _settings_with(EMAIL_URL="smtp+tls://desk%40example.com:s3cret@smtp.example.com:587")

    assert read == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "desk@example.com",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_email_backend_still_picks_the_backend() -> None:
    read = _settings_with(
        EMAIL_URL="smtp://relay.example.com:2525",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )

    assert read["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
    assert (read["EMAIL_HOST"], read["EMAIL_PORT"]) == ("relay.example.com", 2525)


def test_a_lease_too_short_for_the_smtp_timeout_stops_the_start() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _settings_with(EMAIL_TIMEOUT="60", OUTGOING_MAIL_LEASE_SECONDS="100")

    assert "OUTGOING_MAIL_LEASE_SECONDS must be over twice EMAIL_TIMEOUT" in failed.value.stderr
