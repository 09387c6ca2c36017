"""Full-text index of the embedded engine's documents, on PostgreSQL only.

A customer with a long history has its related tickets searched by full text inside its own
documents (`helpdesk.memory.history.WORD_MATCHES_SQL`): `customer_id = %s AND
to_tsvector('english', text) @@ plainto_tsquery('english', word)`. A GIN index of that
expression answers the word; the planner combines it with `memdoc_customer_idx` (a BitmapAnd)
for a customer with few messages and filters the matches by customer for one with many.
A multicolumn GIN index over (customer_id, the tsvector) with btree_gin was tried as well: the
planner never used its customer column and chose the same plans, so this one is smaller and
needs no extension.
SQLite has no such index (there the search reads the customer's rows, README). The index lives
outside the models' state, as the trigram indexes of `tickets/0006` do, so that SQLite never
sees it.
"""

from django.db import migrations

INDEX = "memdoc_text_search_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON helpdesk_memorydocument "
        "USING gin (to_tsvector('english'::regconfig, text))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0002_drop_redundant_fk_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
