"""The ranking never drops a past ticket that plain BM25 ranks among its best (issue 14).

Plain BM25 here is bm25s over each ticket's raw text with English stop words, the baseline of
bench/retrieval.py: whatever the dense part and the date bonus say, the first 10 related
tickets hold plain BM25's top 5. Pure Python, no database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import pytest

from helpdesk.memory.backends.embedded.ranking import Document, Params, TicketIndex, with_floor
from tests.memory.test_ranking import HashEmbedder

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[2]
CONVERSATION = ROOT / "helpdesk" / "demo_data" / "locomo" / "conv-26.json"
QUESTIONS = ROOT / "tests" / "data" / "locomo_conv26_qa.json"
DEPTH, COUNT = 10, 5


class PlainBm25:
    """bm25s's ranking of whole tickets (raw text, English stop words), as the benchmark's."""

    def __init__(self, documents: Sequence[Document]) -> None:
        texts: dict[str, list[str]] = defaultdict(list)
        for document in documents:
            texts[str(document.ticket_id)].append(document.text)
        self.ids = list(texts)
        self.retriever = bm25s.BM25()
        corpus = [" ".join(texts[t]) for t in self.ids]
        self.retriever.index(
            bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
        )

    def top(self, query: str, count: int) -> list[str]:
        """The best `count` tickets with a positive score."""
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        words = [word for word, _ in sorted(tokens.vocab.items(), key=lambda item: item[1])]
        scores = self.retriever.get_scores(words)
        order = np.argsort(-scores, kind="stable")
        return [self.ids[i] for i in order[:count] if scores[i] > 0]


class TopicEmbedder:
    """Dense vectors that put every 'novel' ticket next to the query and the rest far away."""

    dim = 4

    def _vec(self, text: str) -> np.ndarray:
        near = "novel" in text.lower() or text.lower().startswith("what")
        return np.array([1.0, 0.0, 0.0, 0.0] if near else [0.0, 1.0, 0.0, 0.0], np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def _history_where_the_bonuses_push_a_keyword_match_out() -> list[Document]:
    """Twelve June tickets about writing a novel (close in dense space, inside the date the
    query names) and one January ticket, far in dense space, that alone holds the query's raw
    words ('plays music while she writes')."""
    june = dt.datetime(2024, 6, 10, tzinfo=UTC)
    documents = [
        Document(
            f"june-{n}",
            f"june-{n}-{m}",
            text,
            june + dt.timedelta(days=n),
            "Joanna" if m == 0 else "Nate",
        )
        for n in range(12)
        for m, text in enumerate(
            (
                f"I wrote chapter {n} of my novel today, writing is my joy.",
                "Your novel sounds great, keep writing!",
            )
        )
    ]
    documents += [
        Document(
            "jan", "jan-0", "Do you like my guitar?", dt.datetime(2024, 1, 5, tzinfo=UTC), "Nate"
        ),
        Document(
            "jan",
            "jan-1",
            "Joanna plays music while she writes, mostly jazz records.",
            dt.datetime(2024, 1, 5, tzinfo=UTC),
            "Nate",
        ),
    ]
    return documents


def test_a_ticket_plain_bm25_ranks_first_stays_in_the_list_despite_dense_and_date() -> None:
    documents = _history_where_the_bonuses_push_a_keyword_match_out()
    query = "What music does Joanna play while she writes her novel in June?"
    now = dt.datetime(2024, 7, 1, tzinfo=UTC)
    embedder = TopicEmbedder()
    vector = embedder.embed_query(query)
    assert PlainBm25(documents).top(query, 1) == ["jan"]

    fused_only = Params(plain_floor=(), depth_rrf=0)
    unfloored = TicketIndex(documents, embedder=embedder, params=fused_only)
    without_floor = unfloored.rank(query, query_vector=vector, query_time=now, limit=DEPTH)
    assert "jan" not in [hit.ticket_id for hit in without_floor]  # the case this is for
    for each_alone in (Params(plain_floor=()), Params(depth_rrf=0)):
        alone = TicketIndex(documents, embedder=embedder, params=each_alone)
        hits = alone.rank(query, query_vector=vector, query_time=now, limit=DEPTH)
        assert "jan" in [hit.ticket_id for hit in hits], each_alone

    index = TicketIndex(documents, embedder=embedder)
    hits = index.rank(query, query_vector=vector, query_time=now, limit=DEPTH)
    ids = [hit.ticket_id for hit in hits]
    assert len(ids) == DEPTH
    assert "jan" in ids
    assert ids[:5] == [hit.ticket_id for hit in without_floor][:5]  # the top is unchanged
    recurring_depth = index.rank(query, query_vector=vector, query_time=now, limit=3)
    assert [hit.ticket_id for hit in recurring_depth] == ids[:3]


def _locomo_documents() -> list[Document]:
    conversation = json.loads(CONVERSATION.read_text())["conversation"]
    numbers = sorted(int(k.split("_")[1]) for k in conversation if re.fullmatch(r"session_\d+", k))
    documents = []
    for n in numbers:
        when = dt.datetime.strptime(
            conversation[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y"
        ).replace(tzinfo=UTC)
        for turn in conversation[f"session_{n}"]:
            caption = turn.get("blip_caption")
            text = turn["text"] + (f" [image: {caption}]" if caption else "")
            documents.append(Document(f"S{n}", turn["dia_id"], text, when, turn["speaker"]))
    return documents


@pytest.mark.parametrize("dense", [False, True], ids=["keyword-only", "dense"])
def test_plain_bm25_top_5_is_always_in_the_first_10_on_a_locomo_history(dense: bool) -> None:
    documents = _locomo_documents()
    questions = [q["question"] for q in json.loads(QUESTIONS.read_text())["qa"]]
    embedder = HashEmbedder() if dense else None
    index = TicketIndex(documents, embedder=embedder)
    now = max(d.created_at for d in documents if d.created_at) + dt.timedelta(days=1)
    plain_bm25 = PlainBm25(documents)
    missed = []
    for question in questions:
        vector = embedder.embed_query(question) if embedder else None
        hits = index.rank(question, query_vector=vector, query_time=now, limit=DEPTH)
        ours = {hit.ticket_id for hit in hits}
        plain = plain_bm25.top(question, COUNT)
        if not set(plain) <= ours:
            missed.append((question, plain, sorted(ours)))
    assert not missed, missed[:3]


@pytest.mark.parametrize(
    ("order", "floor", "limit", "checkpoints", "expected"),
    [
        (range(12), [11, 10, 9, 8, 7], 10, ((10, 5),), [0, 1, 2, 3, 4, 11, 10, 9, 8, 7]),
        (range(12), [11, 10, 9, 8, 7], 3, ((10, 5),), [0, 1, 2]),  # depth beyond the list
        (range(12), [3, 0, 1], 10, ((10, 3),), list(range(10))),  # already there: unchanged
        (range(12), [11, 0, 9], 10, ((3, 1), (10, 3)), [0, 1, 11, 2, 3, 4, 5, 6, 7, 9]),
        ([0, 1], [5, 6, 1], 10, ((10, 5),), [0, 1, 5, 6]),  # order used up: the owed ones
        ([], [], 10, ((10, 5),), []),
    ],
)
def test_with_floor(
    order: Sequence[int],
    floor: list[int],
    limit: int,
    checkpoints: tuple[tuple[int, int], ...],
    expected: list[int],
) -> None:
    assert with_floor(list(order), floor, limit=limit, checkpoints=checkpoints) == expected
