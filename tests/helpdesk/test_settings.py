"""Every environment variable that settings.py reads is documented in the README."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import helpdesk.settings

SETTINGS_FILE = Path(helpdesk.settings.__file__)
README = SETTINGS_FILE.resolve().parent.parent / "README.md"


def environment_variables() -> set[str]:
    """First arguments of `env(...)`, `env.<cast>(...)`, `env_bool()`, `env_int()`, `env_float()`,
    `_env_secret()` and `_throttle_rate()`."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        helpers = {"env", "env_bool", "env_int", "env_float", "_env_secret", "_throttle_rate"}
        reads_env = (isinstance(function, ast.Name) and function.id in helpers) or (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_environment_variables_are_found_in_settings() -> None:
    # Guards the parser above: if it found nothing, the README test would pass vacuously.
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "OPENAI_API_KEY"} <= (
        environment_variables()
    )


def test_every_environment_variable_is_documented_in_readme() -> None:
    readme = README.read_text(encoding="utf-8")

    missing = sorted(
        name for name in environment_variables() if not re.search(rf"\b{name}\b", readme)
    )

    assert missing == [], f"README.md does not document: {', '.join(missing)}"


@pytest.mark.parametrize("name", ["SECRET_KEY", "EVERMEMOS_API_KEY", "OPENAI_API_KEY"])
def test_secret_may_be_read_from_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-from-a-file-0123456789-0123456789\n", encoding="utf-8")
    monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(f"{name}_FILE", str(secret_file))

    assert helpdesk.settings._env_secret(name) == "s3cret-from-a-file-0123456789-0123456789"


def test_secret_from_unreadable_file_is_improperly_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured):
        helpdesk.settings._env_secret("OPENAI_API_KEY")


def test_a_lease_a_send_can_outlast_is_refused_at_start() -> None:
    environment = {**os.environ, "MIRROR_LEASE_SECONDS": "30", "EVERMEMOS_TIMEOUT": "60"}
    started = subprocess.run(
        [sys.executable, "-c", "import helpdesk.settings"],
        cwd=SETTINGS_FILE.resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert started.returncode != 0
    assert "MIRROR_LEASE_SECONDS must be longer than EVERMEMOS_TIMEOUT" in started.stderr
