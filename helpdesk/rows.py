"""Many rows into one table per statement, as the ORM would write them, only faster.

`bulk_create` spends about nine tenths of a large import compiling SQL object by object
(measured: about 3,000 messages a second with the outbox, on SQLite); `RowWriter` writes the
same rows with one prepared statement per table instead: `executemany` on SQLite, COPY on
PostgreSQL. New ids come back in row order: on SQLite from the last rowid (the transaction
holds the write lock from its first insert on, so one statement's ids are consecutive, which
is checked), on PostgreSQL reserved from the table's sequence first.

A plain library: it knows models only through their metadata.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, models


class RowWriter:
    """Writes rows for the current database connection (SQLite or PostgreSQL)."""

    def __init__(self) -> None:
        if connection.vendor not in ("sqlite", "postgresql"):
            raise ImproperlyConfigured(
                f"RowWriter supports SQLite and PostgreSQL, not {connection.vendor}."
            )
        self.is_postgresql = connection.vendor == "postgresql"
        self._zone = connection.timezone

    def time(self, value: datetime.datetime | None) -> object:
        """A time as the ORM writes it: as is for PostgreSQL; for SQLite the text of the
        naive time in the connection's zone (`adapt_datetimefield_value`, minus its checks:
        every time here is aware)."""
        if self.is_postgresql or value is None:
            return value
        return str(value.astimezone(self._zone).replace(tzinfo=None))

    def insert_values(self, model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> int:
        """Rows given as {field name: value}, every row with the same names; the model's
        other fields take their defaults (evaluated once for all rows). Returns the count."""
        if not rows:
            return 0
        named = list(rows[0])
        defaults = {
            field.name: field.get_default()
            for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in named and field.attname not in named
        }
        fields = [*named, *defaults]
        by_name = _concrete_fields(model)
        convert = [self._converter(by_name[name]) for name in fields]
        values = [
            tuple(
                to_column(value)
                for to_column, value in zip(
                    convert, [*(row[name] for name in named), *defaults.values()], strict=True
                )
            )
            for row in rows
        ]
        self.insert(model, fields, values)
        return len(values)

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        if isinstance(field, models.JSONField):
            return json.dumps
        if isinstance(field, models.DateTimeField):
            return self.time
        return _unchanged

    def insert(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: list[tuple],
        *,
        ids: bool = False,
    ) -> list[int]:
        if not rows:
            return []
        quote = connection.ops.quote_name
        table = model._meta.db_table
        by_name = _concrete_fields(model)
        columns = [by_name[name].column for name in fields]
        with connection.cursor() as cursor:
            if self.is_postgresql:
                new_ids: list[int] = []
                if ids:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)",
                        [table, len(rows)],
                    )
                    new_ids = sorted(row[0] for row in cursor.fetchall())
                    rows = [(pk, *row) for pk, row in zip(new_ids, rows, strict=True)]
                    columns = ["id", *columns]
                names = ", ".join(quote(column) for column in columns)
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return new_ids
            names = ", ".join(quote(column) for column in columns)
            marks = ", ".join(["%s"] * len(columns))
            # Names come from the models' metadata, quoted; every value is a parameter.
            insert = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)
            if not ids:
                return []
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            first = last - len(rows) + 1
            count = f"SELECT COUNT(*) FROM {quote(table)} WHERE id BETWEEN %s AND %s"  # noqa: S608
            cursor.execute(count, [first, last])
            if cursor.fetchone()[0] != len(rows):
                raise DatabaseError(f"Ids of the rows imported into {table} are not consecutive.")
            return list(range(first, last + 1))

    def update(self, model: type[models.Model], fields: Sequence[str], rows: list[tuple]) -> None:
        """Rows given as (id, value of each field): one `UPDATE ... FROM (VALUES ...)` for all,
        where the ORM's `bulk_update` builds a `CASE` per field (its compiling cost most of
        the time). Times as `time` gives them."""
        if not rows:
            return
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        by_name = _concrete_fields(model)
        # VALUES names its columns column1, column2, ... on SQLite and PostgreSQL alike.
        sets = ", ".join(
            f"{quote(by_name[name].column)} = v.column{number}"
            for number, name in enumerate(fields, start=2)
        )
        marks = ", ".join(["%s"] * (len(fields) + 1))
        values = ", ".join([f"({marks})"] * len(rows))
        # Names come from the models' metadata, quoted; every value is a parameter.
        update = (
            f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v "  # noqa: S608
            f"WHERE {table}.{quote('id')} = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(update, [value for row in rows for value in row])


def _unchanged(value: Any) -> Any:
    return value


def _concrete_fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    """The model's columns by field name (and by attribute name: `ticket_id` for `ticket`)."""
    fields: dict[str, models.Field[Any, Any]] = {}
    for field in model._meta.concrete_fields:
        fields[field.name] = field
        fields[field.attname] = field
    return fields
