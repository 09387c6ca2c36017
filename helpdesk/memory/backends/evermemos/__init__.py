"""The EverMemOS backend: one module per wire format (`v0`, `v1`) on shared HTTP plumbing
(`http`) and shared reading of answers (`shapes`).

`EverMemOSBackend` is the v0 client, kept under its old import path; `EverMemOSV1Backend`
the v1 client; `backend_from_settings()` picks one by `EVERMEMOS_API_VERSION`.
"""

from __future__ import annotations

from django.conf import settings

from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.evermemos.shapes import EMPTY_CONTENT_STAND_IN
from helpdesk.memory.backends.evermemos.v0 import EverMemOSBackend
from helpdesk.memory.backends.evermemos.v1 import EverMemOSV1Backend

__all__ = [
    "EMPTY_CONTENT_STAND_IN",
    "EverMemOSBackend",
    "EverMemOSV1Backend",
    "backend_from_settings",
]


def backend_from_settings() -> MemoryBackend:
    """The client for `EVERMEMOS_API_VERSION` (v1 unless told v0)."""
    if getattr(settings, "EVERMEMOS_API_VERSION", "v1") == "v0":
        return EverMemOSBackend.from_settings()
    return EverMemOSV1Backend.from_settings()
