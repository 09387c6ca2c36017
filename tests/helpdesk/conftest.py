"""Fixtures shared by the settings tests."""

from __future__ import annotations

import runpy
from typing import Any

import pytest

from tests.helpdesk.test_settings import SETTINGS_FILE, environment_variables


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run settings.py afresh with only the given variables set (no `.env`, no leftovers).

    The running Django keeps its own settings; this returns the new module's globals.
    """

    def load(**environment: str) -> dict[str, Any]:
        for name in environment_variables():
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(f"{name}_FILE", raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load
