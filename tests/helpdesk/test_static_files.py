"""The tests never depend on what `make run` left in STATIC_ROOT.

`make run` collects static files with STATIC_MANIFEST=true, which leaves a manifest
(staticfiles.json) in STATIC_ROOT. The manifest storage is on only when STATIC_MANIFEST says
so (make run, production), never because such a file exists; and the test run serves the
pages' static files by their plain names whatever the environment says.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.templatetags.static import static
from django.urls import reverse
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from tests.conftest import PLAIN_STATIC_FILES

MANIFEST_STATIC_FILES = "whitenoise.storage.CompressedManifestStaticFilesStorage"
# The files every portal page links, under the names collectstatic gives them.
HASHED = {
    "helpdesk/app.js": "helpdesk/app.0123456789ab.js",
    "helpdesk/app.css": "helpdesk/app.0123456789ab.css",
    "django_htmx/htmx.min.js": "django_htmx/htmx.min.0123456789ab.js",
}


@pytest.fixture
def static_root_left_by_make_run(tmp_path: Path) -> Path:
    """A STATIC_ROOT holding a manifest as `collectstatic` writes it with STATIC_MANIFEST=true."""
    root = tmp_path / "staticfiles"
    root.mkdir()
    manifest = {"paths": HASHED, "version": "1.1", "hash": "0123456789ab"}
    (root / "staticfiles.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_a_manifest_in_static_root_does_not_turn_the_manifest_storage_on(
    load_settings: Any, static_root_left_by_make_run: Path
) -> None:
    loaded = load_settings(STATIC_ROOT=str(static_root_left_by_make_run))

    assert loaded["STORAGES"]["staticfiles"]["BACKEND"] == PLAIN_STATIC_FILES
    assert loaded["WHITENOISE_USE_FINDERS"] is True


def test_static_manifest_true_serves_the_hashed_files_as_in_production(
    load_settings: Any, static_root_left_by_make_run: Path
) -> None:
    loaded = load_settings(STATIC_ROOT=str(static_root_left_by_make_run), STATIC_MANIFEST="true")

    assert loaded["STORAGES"]["staticfiles"]["BACKEND"] == MANIFEST_STATIC_FILES
    assert loaded["WHITENOISE_USE_FINDERS"] is False


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  # loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_test_server_serves_every_static_file_a_page_links(
    live_server: LiveServer, settings: Settings, static_root_left_by_make_run: Path
) -> None:
    settings.STATIC_ROOT = static_root_left_by_make_run
    with urllib.request.urlopen(live_server.url + reverse("login"), timeout=10) as response:  # noqa: S310
        page = response.read().decode("utf-8")

    linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)

    assert {"/static/helpdesk/app.js", "/static/helpdesk/app.css"} <= set(linked)
    assert {url: _status(live_server.url + url) for url in linked} == dict.fromkeys(linked, 200)


def test_a_hashed_name_would_be_missing_on_the_test_server(
    live_server: LiveServer, settings: Settings, static_root_left_by_make_run: Path
) -> None:
    """What the browser tests saw when the manifest followed what `make run` left behind
    (a 404; here a 500 too, when the error page links a file this small manifest lacks)."""
    settings.STATIC_ROOT = static_root_left_by_make_run
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STATIC_FILES}}

    hashed = static("helpdesk/app.js")

    assert hashed == "/static/helpdesk/app.0123456789ab.js"
    assert _status(live_server.url + hashed) != 200
