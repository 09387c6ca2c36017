"""Full-text search over message text: the same words on SQLite and PostgreSQL.

A query is cut into words as the index cut the messages (migration 0009): runs of letters
and digits, everything else separates; PostgreSQL's parser also keeps an e-mail address, a
host or file name, a URL or a version number as one word (ada@example.com, report.pdf, 2.5.1)
where SQLite sees several. Each word matches a word of the message that starts with it
(`pass` finds "password"; `word` does not find "password"), case- and accent-insensitively;
all words must be in one message. User text never reaches the query syntax as syntax: each
word is quoted in the engine's own syntax and sent as a parameter.

- PostgreSQL: `to_tsvector('helpdesk_search', body) @@ to_tsquery('helpdesk_search',
  "'refund':* & 'card':*")`, answered by the GIN index `message_body_fts_idx`; each
  whitespace-separated piece of the query is one quoted term, so the parser cuts it as it
  cut the messages.
- SQLite: the FTS5 table `tickets_message_fts`, `MATCH '"refund"* "card"*'`.
"""

from __future__ import annotations

import functools
import operator
import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from tickets.models import Message

WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 cuts text
QUERY_MAX_LENGTH = 200
MAX_WORDS = 8

# Exactly the index's expression (migration 0009), so that PostgreSQL uses the index.
POSTGRESQL_MATCH = (
    "to_tsvector('helpdesk_search'::regconfig, body) "
    "@@ to_tsquery('helpdesk_search'::regconfig, %s)"
)
SQLITE_MATCH = "SELECT rowid FROM tickets_message_fts WHERE tickets_message_fts MATCH %s"


def query_words(query: str) -> list[str]:
    """The words of a query as SQLite's index cuts text: runs of letters and digits, at most
    8 from its first 200 characters; none for an empty or punctuation-only query."""
    return WORD.findall(query[:QUERY_MAX_LENGTH])[:MAX_WORDS]


def _tsquery_terms(query: str) -> str:
    """Each whitespace-separated piece as one quoted prefix term, for PostgreSQL's parser to
    cut into words as it cut the messages (quotes doubled, backslashes escaped)."""
    pieces = [piece for piece in query[:QUERY_MAX_LENGTH].split() if WORD.search(piece)]
    quoted = (piece.replace("\\", "\\\\").replace("'", "''") for piece in pieces[:MAX_WORDS])
    return " & ".join(f"'{piece}':*" for piece in quoted)


def message_search(query: str) -> QuerySet[Message]:
    """Messages holding every word of `query`, each as a word or the start of one."""
    query = query.replace("\x00", "")
    words = query_words(query)
    if not words:
        return Message.objects.none()
    if connection.vendor == "postgresql":
        return Message.objects.filter(
            # A constant SQL text; the user's words travel as a parameter.
            RawSQL(POSTGRESQL_MATCH, [_tsquery_terms(query)], output_field=BooleanField())  # noqa: S611
        )
    if connection.vendor == "sqlite":
        terms = " ".join(f'"{word}"*' for word in words)
        # A constant SQL text; the user's words travel as a parameter.
        return Message.objects.filter(id__in=RawSQL(SQLITE_MATCH, [terms]))  # noqa: S611
    # No full-text index elsewhere: substrings, read from every message.
    return Message.objects.filter(
        functools.reduce(operator.and_, (Q(body__icontains=word) for word in words))
    )


def message_index_purge() -> None:
    """On SQLite, rewrite the FTS5 index so that deleted messages' words leave its pages.

    FTS5 (SQLite before 3.42 has no secure-delete) cancels a deleted row's words with a
    marker and drops them only when it merges the segments holding them; `optimize` merges
    them all now: 0.7-1.7 s at a million messages (bench/search.py's database). PostgreSQL
    drops index entries with the rows when it vacuums them. Elsewhere: nothing to do.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'tickets_message_fts'")
        if cursor.fetchone() is not None:
            cursor.execute(
                "INSERT INTO tickets_message_fts(tickets_message_fts) VALUES ('optimize')"
            )
