from __future__ import annotations

from tests.webhooks.hook_server import hook_server  # noqa: F401 (the fixture)
