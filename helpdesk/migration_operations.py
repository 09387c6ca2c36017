"""Operations that more than one app's migrations use."""

from __future__ import annotations

from django.db import migrations


def _index_name(schema_editor, table: str, column: str) -> str:
    # The name Django gave the foreign key's own index when it created the column.
    return schema_editor._create_index_name(table, [column], suffix="")


def drop_foreign_key_indexes(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """Drop the foreign keys' own indexes in place (on SQLite, AlterField would copy each
    table); each column leads a composite index that serves its lookups."""

    def forwards(apps, schema_editor):
        for table, column in columns:
            name = schema_editor.quote_name(_index_name(schema_editor, table, column))
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    def backwards(apps, schema_editor):
        for table, column in columns:
            name = schema_editor.quote_name(_index_name(schema_editor, table, column))
            quoted = schema_editor.quote_name
            schema_editor.execute(f"CREATE INDEX {name} ON {quoted(table)} ({quoted(column)})")

    return migrations.RunPython(forwards, backwards)
