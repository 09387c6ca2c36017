"""Reading one customer's history for the embedded engine: whole, or bounded when it is big.

Every document is read ready to rank: its words as ranking counts them (`prepared`, made when
the engine stored it) and its vector, so that building a customer's `ranking.TicketIndex`
tokenizes and embeds nothing. A document stored before documents were prepared (or by other
tokenizer rules, or without a vector while an embedder runs) is prepared the first time it is
read, and what was made is stored, once (`prepared`).

A customer with up to `MEMORY_FULL_HISTORY_DOCUMENTS` indexed messages is ranked whole (every
message read once per worker and cached). Above that, the history is bounded: the customer's
`RECENT_TICKETS` newest tickets, plus up to `CANDIDATE_TICKETS` older tickets that a full-text
search of the customer's messages finds for the query's rarer words; those are then ranked in
memory exactly as a whole history is (BM25 and the stored vectors).

The full-text search: on PostgreSQL, `to_tsvector('english', text) @@ plainto_tsquery(...)` per
word, answered by the GIN index `memdoc_text_search_idx` (migration `helpdesk/0003`) and the
customer's btree index; on SQLite, one pass over the customer's rows (found by
`memdoc_customer_idx`) with a `LIKE` per word, which reads that customer's text but tokenizes
none of it in Python.
The search words are the query's own tokens (letters, digits, underscores), never its syntax, so
no query text can change what is searched or make the search fail. Every statement is filtered
by the customer.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.db import DatabaseError, connection

from helpdesk.memory.backends.embedded import ranking
from helpdesk.memory.backends.embedded.models import MemoryDocument, MemoryGroup
from helpdesk.words import tokenize

logger = logging.getLogger(__name__)

VECTOR_DTYPE = np.float32
RECENT_TICKETS = 50  # the newest tickets, always ranked
CANDIDATE_TICKETS = 30  # older tickets the full-text search may add
SEARCH_WORDS = 16  # query words searched, the rarest first
COMMON_SHARE = 0.25  # words in more of the newest tickets than this are not searched
COMMON_MESSAGES = 300  # nor words in more of the customer's messages than this

TABLE = MemoryDocument._meta.db_table
# Each word's matching messages through memdoc_text_search_idx (with memdoc_customer_idx);
# plainto_tsquery takes any text as plain words, never as query syntax.
WORD_MATCHES_SQL = f"""
    SELECT w.position, m.ticket_id
    FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, position)
    CROSS JOIN LATERAL (
        SELECT ticket_id FROM {TABLE}
        WHERE customer_id = %s
          AND to_tsvector('english', text) @@ plainto_tsquery('english', w.word)
        LIMIT %s
    ) AS m
"""  # noqa: S608  # the table name is ours; every value is a parameter


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


def vector_from_bytes(blob: bytes | memoryview | None) -> np.ndarray | None:
    return None if not blob else np.frombuffer(bytes(blob), dtype=VECTOR_DTYPE)


def prepared_to_text(prepared: ranking.Prepared) -> str:
    """A document's prepared words as stored (`MemoryDocument.prepared`), with their rules."""
    data = [ranking.prepared_version(), prepared.terms, prepared.plain]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def prepared_from_text(text: str, version: str) -> ranking.Prepared | None:
    """The stored preparation, or None when there is none or other rules made it."""
    if not text:
        return None
    try:
        made_by, terms, plain = json.loads(text)
    except ValueError:
        return None
    if made_by != version:
        return None
    return ranking.Prepared(terms=Counter(terms), plain=Counter(plain))


@dataclass(frozen=True)
class History:
    """Documents of one customer, oldest first, with their prepared words (same order)."""

    documents: list[ranking.Document]
    prepared: list[ranking.Prepared]

    def index(self, *, params: ranking.Params | None = None) -> ranking.TicketIndex:
        """The history's index: nothing tokenized, nothing embedded."""
        return ranking.TicketIndex(
            self.documents,
            params=params,
            counts=[item.terms for item in self.prepared],
            plain=[item.plain for item in self.prepared],
        )


_FIELDS = (
    "id", "ticket_id", "message_id", "text", "created_at", "speaker", "vector", "is_customer",
    "prepared",
)  # fmt: skip


def read(
    customer_pk: int,
    ticket_ids: Collection[int] | None = None,
    *,
    embedder: ranking.Embedder | None,
) -> History:
    """The customer's indexed messages (of these tickets only, if given), oldest first, ready
    to rank. Those not prepared yet (see the module's docstring) are prepared now and stored."""
    rows = MemoryDocument.objects.filter(customer_id=customer_pk)
    if ticket_ids is not None:
        rows = rows.filter(ticket_id__in=list(ticket_ids))
    version = ranking.prepared_version()
    documents: list[ranking.Document] = []
    prepared: list[ranking.Prepared | None] = []
    pks: list[int] = []
    for pk, ticket, message, text, created, speaker, vector, is_customer, stored in (
        rows.order_by("created_at", "id").values_list(*_FIELDS).iterator(chunk_size=2000)
    ):
        pks.append(pk)
        documents.append(
            ranking.Document(
                ticket_id=ticket,
                message_id=message,
                text=text,
                created_at=created,
                speaker=speaker,
                vector=vector_from_bytes(vector),
                is_customer=is_customer,
            )
        )
        prepared.append(prepared_from_text(stored, version))
    unprepared = [i for i, item in enumerate(prepared) if item is None]
    unembedded = [i for i, d in enumerate(documents) if d.vector is None] if embedder else []
    if unprepared or unembedded:
        _prepare(documents, prepared, pks, unprepared, unembedded, embedder)
    return History(documents=documents, prepared=[item for item in prepared if item is not None])


def _prepare(
    documents: list[ranking.Document],
    prepared: list[ranking.Prepared | None],
    pks: list[int],
    unprepared: list[int],
    unembedded: list[int],
    embedder: ranking.Embedder | None,
) -> None:
    """Prepare documents stored without their words or vector, in place, and store them."""
    for i in unprepared:
        prepared[i] = ranking.prepare(documents[i])
    if unembedded and embedder is not None:
        vectors = embedder.embed_passages([ranking.passage_text(documents[i]) for i in unembedded])
        for i, vector in zip(unembedded, vectors, strict=True):
            documents[i] = replace(documents[i], vector=vector)
    rows = [
        MemoryDocument(
            pk=pks[i],
            prepared=prepared_to_text(item),
            vector=None if (vector := documents[i].vector) is None else vector_to_bytes(vector),
        )
        for i in sorted({*unprepared, *unembedded})
        if (item := prepared[i]) is not None
    ]
    try:
        MemoryDocument.objects.bulk_update(rows, ["prepared", "vector"], batch_size=500)
    except DatabaseError as error:  # read-only, or busy: prepared again next time
        logger.warning("Could not store %d prepared documents: %s", len(rows), error)


def recent_tickets(customer_pk: int, limit: int) -> list[int]:
    """The customer's newest tickets (index `memgroup_customer_idx`)."""
    rows = MemoryGroup.objects.filter(customer_id=customer_pk).order_by("-created_at", "-ticket_id")
    return list(rows.values_list("ticket_id", flat=True)[:limit])


def rare_query_words(
    query: str, recent: ranking.TicketIndex, *, exclude: ranking.Id | None = None
) -> list[str]:
    """The query's tokens worth a full-text search: not in more than `COMMON_SHARE` of the
    newest tickets (which are ranked anyway; the current ticket, `exclude`, not counted), the
    rarest there first, at most `SEARCH_WORDS`."""
    tokens = [t for t in dict.fromkeys(tokenize(query[: ranking.MAX_CHARS])) if len(t) < 64]
    shares = {token: recent.ticket_share(token, without=exclude) for token in tokens}
    kept = [token for token in tokens if shares[token] <= COMMON_SHARE]
    return sorted(kept, key=lambda token: shares[token])[:SEARCH_WORDS]


def fulltext_tickets(
    customer_pk: int, words: Sequence[str], *, exclude: Collection[ranking.Id], limit: int
) -> list[int]:
    """Up to `limit` of the customer's tickets with a message holding some of `words` (tokens
    as `tokenize` makes them), without those in `exclude`.

    A ticket scores the weights of the words it holds, a word weighing more the fewer of the
    customer's tickets hold it (an order number, a product name), so that one rare word is not
    crowded out by the many tickets sharing a commoner one; words in more than
    `COMMON_MESSAGES` messages are not counted. Ties: the later ticket (higher id) first."""
    if not words or limit <= 0:
        return []
    scores: dict[int, float] = defaultdict(float)
    for tickets in _word_matches(customer_pk, list(words)):
        if tickets and sum(tickets.values()) <= COMMON_MESSAGES:
            weight = math.log(1 + COMMON_MESSAGES / len(tickets))
            for ticket in tickets:
                scores[ticket] += weight
    skipped = set(exclude)
    ranked = sorted((t for t in scores if t not in skipped), key=lambda t: (-scores[t], -t))
    return ranked[:limit]


def _word_matches(customer_pk: int, words: list[str]) -> list[Counter[int]]:
    """For each word, the customer's tickets with messages holding it (how many messages),
    up to just over `COMMON_MESSAGES` messages."""
    matches: list[Counter[int]] = [Counter() for _ in words]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(WORD_MATCHES_SQL, [words, customer_pk, COMMON_MESSAGES + 1])
            for position, ticket in cursor.fetchall():
                matches[position - 1][ticket] += 1
        return matches
    # SQLite: one pass over the customer's rows, a LIKE per word (a stem is, nearly always,
    # the start of each word it stems from; LIKE folds ASCII case only).
    like = "text LIKE %s ESCAPE '\\'"
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", word) + "%" for word in words]
    sql = (
        f"SELECT ticket_id, {', '.join(f'SUM({like})' for _ in words)} "  # noqa: S608  # ours
        f"FROM {TABLE} WHERE customer_id = %s AND ({' OR '.join(like for _ in words)}) "
        "GROUP BY ticket_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*patterns, customer_pk, *patterns])
        for ticket, *counts in cursor.fetchall():
            for position, count in enumerate(counts):
                if count:
                    matches[position][ticket] = count
    return matches


def bounded_index(
    recent: ranking.TicketIndex,
    older: History,
    *,
    exclude: ranking.Id | None = None,
) -> ranking.TicketIndex:
    """The newest tickets' index plus older documents, in time order, without the `exclude`
    ticket, as one index built once (the newest tickets' words and vectors reused)."""
    if not older.documents:
        return recent if exclude is None else recent.without(exclude)
    documents: list[tuple[ranking.Document, ranking.Prepared]] = []
    for position, document in enumerate(recent.documents):
        if document.ticket_id == exclude:
            continue
        if document.vector is None and recent.vectors is not None:
            document = replace(document, vector=recent.vectors[position])
        words = ranking.Prepared(recent.counts[position], recent.plain_counts[position])
        documents.append((document, words))
    documents += [
        pair
        for pair in zip(older.documents, older.prepared, strict=True)
        if pair[0].ticket_id != exclude
    ]
    documents.sort(key=lambda pair: _time_key(pair[0]))  # stable: ties keep their order
    return History(
        documents=[document for document, _ in documents],
        prepared=[words for _, words in documents],
    ).index(params=recent.params)


def _time_key(document: ranking.Document) -> float:
    return document.created_at.timestamp() if document.created_at else 0.0
