"""Web processes load the PII filter's word lists, the labels' lexicons and the embedding model
as they start."""

from __future__ import annotations

import gc
import types

import numpy as np
import pytest

from helpdesk import words
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
    words.parts_of_speech.cache_clear()

    preload.start().join(timeout=60)

    assert embedder.queries == [preload.SAMPLE]
    assert _lexicon.world_given.cache_info().currsize == 1
    assert words.parts_of_speech.cache_info().currsize >= 2  # the labels' lexicon is loaded


def test_a_failing_preload_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("no backend")

    monkeypatch.setattr("helpdesk.memory.backends.get_backend", broken)

    preload.start().join(timeout=60)

    assert "Preloading the memory panels' models failed" in caplog.text


def test_what_the_preload_loaded_is_frozen_out_of_full_collections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = types.SimpleNamespace(embedder=Embedder())
    monkeypatch.setattr("helpdesk.memory.backends.get_backend", lambda: backend)
    gc.unfreeze()  # what an earlier preload in this process froze
    loaded = [[number] for number in range(1000)]  # objects the collector tracks, as loaded
    try:
        preload.start().join(timeout=60)

        assert gc.get_freeze_count() >= len(loaded)
        assert all(item is not loaded[0] for item in gc.get_objects())  # not scanned any more
    finally:
        gc.unfreeze()
