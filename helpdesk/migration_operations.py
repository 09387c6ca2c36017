"""Operations that more than one app's migrations use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import migrations

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import StateApps


def _index_name(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> str:
    # The name Django gave the foreign key's own index when it created the column.
    # _create_index_name is private to Django's schema editors; django-stubs leaves it out.
    return schema_editor._create_index_name(table, [column], suffix="")  # type: ignore[attr-defined]


def drop_foreign_key_indexes(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """Drop the foreign keys' own indexes in place (on SQLite, AlterField would copy each
    table); each column leads a composite index that serves its lookups."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for table, column in columns:
            name = schema_editor.quote_name(_index_name(schema_editor, table, column))
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for table, column in columns:
            name = schema_editor.quote_name(_index_name(schema_editor, table, column))
            quoted = schema_editor.quote_name
            schema_editor.execute(f"CREATE INDEX {name} ON {quoted(table)} ({quoted(column)})")

    return migrations.RunPython(forwards, backwards)
