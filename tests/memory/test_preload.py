"""Web processes load the PII filter's word lists and the embedding model as they start."""

from __future__ import annotations

import types

import numpy as np
import pytest

from helpdesk.memory import preload
from helpdesk.pii import _lexicon


class Embedder:
    def __init__(self) -> None:
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return np.ones(4, dtype=np.float32) / 2


def test_preload_loads_the_word_lists_and_the_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = Embedder()
    backend = types.SimpleNamespace(embedder=embedder)
    monkeypatch.setattr("helpdesk.memory.backends.get_backend", lambda: backend)

    preload.start().join(timeout=60)

    assert embedder.queries == [preload.SAMPLE]
    assert _lexicon.world_given.cache_info().currsize == 1


def test_a_failing_preload_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("no backend")

    monkeypatch.setattr("helpdesk.memory.backends.get_backend", broken)

    preload.start().join(timeout=60)

    assert "Preloading the memory panels' models failed" in caplog.text
