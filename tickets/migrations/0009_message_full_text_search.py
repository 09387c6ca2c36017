"""Full-text search over message text: words, not substrings (README, "Queue search").

PostgreSQL: a GIN index of `to_tsvector('helpdesk_search', body)`, where the text search
configuration `helpdesk_search` is `simple` (lower case, no stemming, no stop words: names,
product words and short words stay searchable as written) with `unaccent` before it for the
token types that can hold non-ASCII letters. It replaces migration 0006's trigram index on
message bodies; the trigram index on subjects stays (subjects keep substring matching).

SQLite: an FTS5 table over `tickets_message` (external content: the text stays in
`tickets_message`, the index holds words and row ids only), tokenizer `unicode61` with
diacritics removed, `detail=none` and no per-row sizes (the search needs neither ranks nor
phrases), kept in step by triggers on insert, update of the body and delete, so the ORM,
`tickets.services.bulk`'s executemany and the customer erasure all keep it in step.

Both live outside the models' state, as 0006's indexes do. Caution on SQLite: a later
migration that makes Django rebuild `tickets_message` (most AlterField on it) drops the
triggers; run `SQLITE_DROP` and `SQLITE_CREATE` again after it (they rebuild the index).
The query side is `tickets.search`; the definitions are repeated in `tickets.services.bulk`.
"""

from django.db import migrations

POSTGRESQL_CREATE = [
    # Kept when the migration is reversed: something else may use it by then.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION helpdesk_search (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION helpdesk_search ALTER MAPPING FOR "
    "word, numword, hword, numhword, hword_part, hword_numpart WITH unaccent, simple",
    "DROP INDEX IF EXISTS message_body_trgm_idx",
    "CREATE INDEX IF NOT EXISTS message_body_fts_idx ON tickets_message "
    "USING gin (to_tsvector('helpdesk_search'::regconfig, body))",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS message_body_fts_idx",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS helpdesk_search",
    "CREATE INDEX IF NOT EXISTS message_body_trgm_idx ON tickets_message "
    "USING gin ((UPPER(body::text)) gin_trgm_ops)",
]

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE tickets_message_fts USING fts5(body, content='tickets_message', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', detail=none, columnsize=0)",
    "CREATE TRIGGER tickets_message_fts_insert AFTER INSERT ON tickets_message BEGIN "
    "INSERT INTO tickets_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER tickets_message_fts_delete AFTER DELETE ON tickets_message BEGIN "
    "INSERT INTO tickets_message_fts(tickets_message_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER tickets_message_fts_update AFTER UPDATE OF body ON tickets_message BEGIN "
    "INSERT INTO tickets_message_fts(tickets_message_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO tickets_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO tickets_message_fts(tickets_message_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_message_fts_insert",
    "DROP TRIGGER IF EXISTS tickets_message_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_message_fts_update",
    "DROP TABLE IF EXISTS tickets_message_fts",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)


def drop_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_mirror_entry_customer_after_merge"),
    ]

    operations = [
        migrations.RunPython(create_search, drop_search),
    ]
