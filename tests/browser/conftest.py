"""Fixtures of the browser tests: Debian's Chromium, driven by Playwright, against `live_server`.

The browser is found at `CHROMIUM_PATH`, else as `chromium` on the PATH. Without one the
tests skip, unless `REQUIRE_BROWSER=1` (CI) makes a missing browser an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pytest_django.live_server_helper import LiveServer

from tests.browser.pages import DESKTOP, PageProblems, Portal

# --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def _browser_missing(reason: str) -> NoReturn:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and REQUIRE_BROWSER=1 says the browser tests must run")
    pytest.skip(f"{reason}: apt-get install chromium, or set CHROMIUM_PATH")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all browser tests.

    Package scope, not session: while Playwright's sync API is started it keeps an asyncio
    loop running in this thread, which makes Django refuse ORM calls (hence
    DJANGO_ALLOW_ASYNC_UNSAFE) and `asyncio.run()` fail. Both end with the last browser test,
    so the rest of the suite runs as it would without these tests.
    """
    path = chromium_path()
    if not path or not os.access(path, os.X_OK):
        _browser_missing(f"No Chromium found (CHROMIUM_PATH={os.environ.get('CHROMIUM_PATH')!r})")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            except PlaywrightError as error:
                _browser_missing(f"Chromium at {path} did not start: {str(error).splitlines()[0]}")
            yield browser
            browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=DESKTOP, color_scheme="light", locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def problems(page: Page) -> PageProblems:
    """Console errors, uncaught exceptions and dialogs (alert, confirm) seen on `page`."""
    return PageProblems.watch(page)


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Where to save the README's screenshots (`make screenshots`); None: save nothing."""
    value = os.environ.get("SCREENSHOT_DIR")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def portal(
    page: Page, problems: PageProblems, live_server: LiveServer, screenshot_dir: Path | None
) -> Portal:
    return Portal(page=page, base_url=live_server.url, screenshot_dir=screenshot_dir)
