"""A boolean or number in the environment that cannot be read stops the start, naming the variable.

django-environ took `PRODUCTION=ture` for false and failed on `PAGE_SIZE=ten` with a bare
ValueError; settings.py reads every boolean and number through helpdesk/environment.py instead.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.environment import FALSE_VALUES, TRUE_VALUES, env_bool, env_float, env_int
from tests.helpdesk.test_settings import SETTINGS_FILE, environment_variables


def _variables_read_with(*readers: str) -> list[str]:
    """First arguments of the calls to these readers in settings.py."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    return sorted(
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in readers
        and node.args
        and isinstance(node.args[0], ast.Constant)
    )


BOOLEANS = _variables_read_with("env_bool")
NUMBERS = _variables_read_with("env_int", "env_float")


def test_settings_read_booleans_and_numbers_only_through_the_strict_readers() -> None:
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    lax = sorted(
        f"env.{node.func.attr}({ast.unparse(node.args[0])})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.func.attr in {"bool", "int", "float", "json", "parse_value"}
    )

    assert lax == []
    assert {"PRODUCTION", "DEBUG", "STATIC_MANIFEST", "MIRROR_WORKER_AUTOSTART"} <= set(BOOLEANS)
    assert {"PAGE_SIZE", "CONN_MAX_AGE", "EVERMEMOS_TIMEOUT"} <= set(NUMBERS)


@pytest.mark.parametrize("value", [*TRUE_VALUES, "TRUE", " True ", "Yes"])
def test_true_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOME_FLAG", value)

    assert env_bool("SOME_FLAG", default=False) is True


@pytest.mark.parametrize("value", [*FALSE_VALUES, "FALSE", " off "])
def test_false_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOME_FLAG", value)

    assert env_bool("SOME_FLAG", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_an_unset_boolean_takes_its_default(monkeypatch: pytest.MonkeyPatch, default: bool) -> None:
    monkeypatch.delenv("SOME_FLAG", raising=False)

    assert env_bool("SOME_FLAG", default=default) is default


@pytest.mark.parametrize("value", ["ture", "flase", "", "2", "enabled", "disabled"])
def test_an_unknown_boolean_names_the_variable_and_the_accepted_values(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOME_FLAG", value)

    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("SOME_FLAG", default=False)

    message = str(refused.value)
    assert f"SOME_FLAG={value!r}" in message
    assert all(spelling in message for spelling in ("true", "false", "yes", "no", "on", "off"))


@pytest.mark.parametrize(("value", "number"), [("0", 0), (" 300 ", 300), ("-1", -1)])
def test_whole_numbers(monkeypatch: pytest.MonkeyPatch, value: str, number: int) -> None:
    monkeypatch.setenv("SOME_COUNT", value)

    assert env_int("SOME_COUNT", default=5) == number


@pytest.mark.parametrize("value", ["ten", "", "2.5", "1e3", "25 rows"])
def test_a_malformed_whole_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOME_COUNT", value)

    with pytest.raises(ImproperlyConfigured, match=rf"SOME_COUNT={value!r} is not a whole number"):
        env_int("SOME_COUNT", default=5)


@pytest.mark.parametrize(("value", "number"), [("10", 10.0), ("0.05", 0.05), (" 2.5 ", 2.5)])
def test_numbers(monkeypatch: pytest.MonkeyPatch, value: str, number: float) -> None:
    monkeypatch.setenv("SOME_SECONDS", value)

    assert env_float("SOME_SECONDS", default=1.0) == number


@pytest.mark.parametrize("value", ["ten", "", "nan", "inf", "5s"])
def test_a_malformed_number_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOME_SECONDS", value)

    with pytest.raises(ImproperlyConfigured, match=rf"SOME_SECONDS={value!r} is not a number"):
        env_float("SOME_SECONDS", default=1.0)


@pytest.mark.parametrize("name", BOOLEANS)
def test_a_misspelt_boolean_in_settings_is_refused(load_settings: Any, name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=rf"^{name}='ture' is not a boolean"):
        load_settings(**{name: "ture"})


@pytest.mark.parametrize("name", NUMBERS)
def test_a_malformed_number_in_settings_is_refused(load_settings: Any, name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=rf"^{name}='ten' is not a "):
        load_settings(**{name: "ten"})


def test_production_ture_stops_the_start_instead_of_meaning_false() -> None:
    environment = {
        key: value for key, value in os.environ.items() if key not in environment_variables()
    }
    started = subprocess.run(
        [sys.executable, "-c", "import helpdesk.settings"],
        cwd=SETTINGS_FILE.resolve().parent.parent,
        env={**environment, "PRODUCTION": "ture"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert started.returncode != 0
    assert "ImproperlyConfigured: PRODUCTION='ture' is not a boolean" in started.stderr
    assert "true, yes, on, 1" in started.stderr


def test_evermemos_api_version_defaults_to_v1(load_settings: Any) -> None:
    assert load_settings()["EVERMEMOS_API_VERSION"] == "v1"


@pytest.mark.parametrize("value", ["v2", "1", "api/v1", ""])
def test_an_unknown_evermemos_api_version_is_refused(load_settings: Any, value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="EVERMEMOS_API_VERSION must be 'v1'"):
        load_settings(EVERMEMOS_API_VERSION=value)


@pytest.mark.parametrize("name", ["EVERMEMOS_CONTEXT_METHOD", "EVERMEMOS_RECURRING_METHOD"])
def test_rrf_is_a_search_method_of_v0_only(load_settings: Any, name: str) -> None:
    assert load_settings(**{name: "rrf", "EVERMEMOS_API_VERSION": "v0"})[name] == "rrf"
    with pytest.raises(
        ImproperlyConfigured,
        match=rf"^{name}='rrf' is not a search method of EverMemOS v1: use keyword, vector, "
        "hybrid, agentic",
    ):
        load_settings(**{name: "rrf"})


@pytest.mark.parametrize("version", ["v0", "v1"])
@pytest.mark.parametrize("method", ["keyword", "vector", "hybrid", "agentic"])
def test_both_versions_take_the_other_search_methods(
    load_settings: Any, version: str, method: str
) -> None:
    loaded = load_settings(EVERMEMOS_API_VERSION=version, EVERMEMOS_CONTEXT_METHOD=method)

    assert loaded["EVERMEMOS_CONTEXT_METHOD"] == method


def test_an_unknown_search_method_is_refused(load_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="'semantic' is not a search method"):
        load_settings(EVERMEMOS_API_VERSION="v0", EVERMEMOS_RECURRING_METHOD="semantic")
