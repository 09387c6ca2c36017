"""Reading one customer's history for the embedded engine: whole, or bounded when it is big.

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

import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np
from django.db import connection

from helpdesk.memory.backends.embedded import ranking
from helpdesk.memory.backends.embedded.models import MemoryDocument, MemoryGroup
from helpdesk.words import tokenize

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


def documents(
    customer_pk: int, ticket_ids: Collection[int] | None = None
) -> list[ranking.Document]:
    """The customer's indexed messages (of these tickets only, if given), oldest first."""
    rows = MemoryDocument.objects.filter(customer_id=customer_pk)
    if ticket_ids is not None:
        rows = rows.filter(ticket_id__in=list(ticket_ids))
    rows = rows.order_by("created_at", "id")
    return [
        ranking.Document(
            ticket_id=row.ticket_id,
            message_id=row.message_id,
            text=row.text,
            created_at=row.created_at,
            speaker=row.speaker,
            vector=vector_from_bytes(row.vector),
            is_customer=row.is_customer,
        )
        for row in rows
    ]


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
    older: Sequence[ranking.Document],
    *,
    embedder: ranking.Embedder | None,
    exclude: ranking.Id | None = None,
) -> ranking.TicketIndex:
    """The newest tickets' index plus older documents, in time order, without the `exclude`
    ticket, as one index built once (the newest tickets' tokens and vectors reused)."""
    if not older:
        return recent if exclude is None else recent.without(exclude)
    documents: list[tuple[ranking.Document, Counter[str]]] = []
    for position, document in enumerate(recent.documents):
        if document.ticket_id == exclude:
            continue
        if document.vector is None and recent.vectors is not None:
            document = replace(document, vector=recent.vectors[position])
        documents.append((document, recent.counts[position]))
    documents += [(doc, ranking.term_counts(doc)) for doc in older if doc.ticket_id != exclude]
    documents.sort(key=lambda pair: _time_key(pair[0]))  # stable: ties keep their order
    return ranking.TicketIndex(
        [document for document, _ in documents],
        embedder=embedder,
        params=recent.params,
        counts=[counts for _, counts in documents],
    )


def _time_key(document: ranking.Document) -> float:
    return document.created_at.timestamp() if document.created_at else 0.0
