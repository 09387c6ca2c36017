"""The one way tests wait for something another thread or process does: poll a predicate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.02,
    what: str = "the condition",
    process: object = None,
) -> T:
    """Call `predicate` every `interval` seconds until it returns something true, and return that.

    After `timeout` seconds the test fails, naming `what` and showing `process` (a worker
    process shows its output). The timeout is a limit, never a pause: a predicate that holds
    at once returns at once, so generous timeouts cost nothing on a quick machine.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            shown = f"\n{process!r}" if process is not None else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}{shown}")
        time.sleep(interval)
