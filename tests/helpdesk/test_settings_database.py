"""Database connections are kept between requests on SQLite as on PostgreSQL (CONN_MAX_AGE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SQLITE_URL = "sqlite:////tmp/helpdesk-settings-test.sqlite3"


def _database_settings(**environment: str) -> dict[str, object]:
    """settings.DATABASES["default"] as a fresh process reads it from this environment."""
    inherited = {key: value for key, value in os.environ.items() if key != "CONN_MAX_AGE"}
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, helpdesk.settings as s; "
            "print(json.dumps(s.DATABASES['default'], default=str))",
        ],
        cwd=PROJECT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(started.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("url", [SQLITE_URL, "postgres://u:p@127.0.0.1:5432/helpdesk"])
def test_database_connections_are_kept_for_a_minute_by_default(url: str) -> None:
    assert _database_settings(DATABASE_URL=url)["CONN_MAX_AGE"] == 60


def test_database_connection_age_follows_the_environment() -> None:
    assert _database_settings(DATABASE_URL=SQLITE_URL, CONN_MAX_AGE="0")["CONN_MAX_AGE"] == 0
