"""The memory backends: one small interface, two implementations (embedded engine, EverMemOS).

`get_backend()` returns the backend that `MEMORY_BACKEND` names, built once
per process (the EverMemOS client keeps a connection pool).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from helpdesk.memory.backends.base import MemoryBackend

_lock = threading.Lock()
_backend: MemoryBackend | None = None


def _build() -> MemoryBackend:
    if settings.MEMORY_BACKEND == "evermemos":
        from helpdesk.memory.backends.evermemos import backend_from_settings

        return backend_from_settings()
    from helpdesk.memory.backends.embedded import ranking
    from helpdesk.memory.backends.embedded.engine import EmbeddedBackend

    embedder = ranking.default_embedder() if settings.MEMORY_EMBEDDINGS else None
    return EmbeddedBackend(embedder=embedder)


def get_backend() -> MemoryBackend:
    global _backend
    with _lock:
        if _backend is None:
            _backend = _build()
        return _backend


def reset_backend() -> None:
    """Forget the cached backend (settings changed, or tests)."""
    global _backend
    with _lock:
        if _backend is not None and hasattr(_backend, "close"):
            _backend.close()
        _backend = None


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs: object) -> None:
    if setting.startswith(("MEMORY_", "EVERMEMOS_")):
        reset_backend()
