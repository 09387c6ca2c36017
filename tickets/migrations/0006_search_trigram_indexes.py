"""Trigram indexes for the queue's search, on PostgreSQL only.

`ticket_search` matches message text and subjects with `icontains`, which PostgreSQL runs as
`UPPER(column::text) LIKE UPPER('%term%')`; a GIN index of that expression with pg_trgm's
operator class answers it without reading every message (bench/load.py: a million messages).
SQLite has no such index: there the search reads the messages (a documented limit, README).
The indexes live outside the models' state on purpose: a model-declared GIN index would be
created again on SQLite whenever Django rebuilds one of these tables there. The same
definitions are in `tickets.services.bulk.TRIGRAM_INDEXES` (a large import rebuilds them at its end).
"""

from django.db import migrations

INDEXES = [
    ("message_body_trgm_idx", "tickets_message", "body"),
    ("ticket_subject_trgm_idx", "tickets_ticket", "subject"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Kept when the migration is reversed, as migration 0009 keeps `unaccent`. (Django's
    # TrigramExtension checks the database only going forwards: reversing failed on SQLite.)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_mirror_partial_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
