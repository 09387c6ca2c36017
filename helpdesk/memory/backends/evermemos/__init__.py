"""The EverMemOS backend: one module per wire format (`v0`, `v1`) on shared HTTP plumbing
(`http`) and shared reading of answers (`shapes`).

`EverMemOSBackend` is the v0 client, kept under its old import path.
"""

from __future__ import annotations

from helpdesk.memory.backends.evermemos.v0 import EMPTY_CONTENT_STAND_IN, EverMemOSBackend

__all__ = ["EMPTY_CONTENT_STAND_IN", "EverMemOSBackend"]
