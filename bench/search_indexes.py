"""For a large import on PostgreSQL: build the queue search's indexes once at the end.

Dropping the message-word and subject-trigram indexes during the import and building them
once afterwards is faster than keeping them up to date row by row (bench/search.py).
Searches still work meanwhile, only slower. The definitions are read from the database
before the indexes are dropped, so they are always the ones the migrations made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

SEARCH_INDEXES = ("message_body_fts_idx", "ticket_subject_trgm_idx")


@contextmanager
def search_indexes_deferred() -> Iterator[None]:
    """Drop the search indexes for the duration, then create them again as they were.
    Elsewhere than on PostgreSQL: nothing to do (SQLite's index is kept by the import)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(SEARCH_INDEXES)],
        )
        definitions = dict(cursor.fetchall())
        missing = set(SEARCH_INDEXES) - set(definitions)
        if missing:
            raise SystemExit(
                f"Search indexes missing ({', '.join(sorted(missing))}): an earlier import was "
                "interrupted before it rebuilt them. Create them again as migrations "
                "tickets/0006 and tickets/0009 do, or import without --defer-search-index."
            )
        for name in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for definition in definitions.values():
                cursor.execute(definition)
