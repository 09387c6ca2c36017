"""The memory app's migrations move the outbox and the engine's tables with their rows, both ways.

Run on the demo database (its tickets, messages, delivered outbox and engine rows), on
whichever database the suite runs on (SQLite locally, PostgreSQL in CI as well).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from helpdesk.demo_data.loader import DEMO_DATA_DIR, demo_load
from helpdesk.memory.backends import get_backend, reset_backend
from helpdesk.memory.models import AgentNote, Memory, MemoryGroup
from helpdesk.memory.services.mirror import mirror_deliver_due
from tests.factories import TicketFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE_THE_MOVE = [
    ("memory", None),
    ("tickets", "0009_message_full_text_search"),
    ("helpdesk", "0003_memory_document_text_search_index"),
    ("customers", "0003_erasure_record"),
]
OLD_TABLES = {
    "tickets_mirrorentry": "memory_mirrorentry",
    "helpdesk_memorydocument": "memory_memorydocument",
    "helpdesk_memory": "memory_memory",
}
# The columns every version of each table has (memory/0003 added some to the engine's).
COLUMNS = {
    "mirrorentry": "*",
    "memorydocument": "id, customer_id, ticket_id, message_id, speaker, text, created_at",
    "memory": "id, customer_id, ticket_id, source_message_id, kind, category, text, created_at",
}
BEFORE_THE_ENGINE_OWNS_ITS_TABLES = [("memory", "0002_rename_tables")]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _rows(table: str, columns: str = "*") -> list[tuple]:
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        # Table and column names are ours, from the constants above.
        cursor.execute(f"SELECT {columns} FROM {quoted} ORDER BY id")  # noqa: S608
        return cursor.fetchall()


def _columns(table: str) -> str:
    return COLUMNS[table.split("_", 1)[1]]


@pytest.fixture
def demo_database(tmp_path: Path) -> Iterator[None]:
    """The demo data with its outbox delivered to the embedded engine (no vectors: faster)."""
    with override_settings(MEMORY_BACKEND="embedded", MEMORY_EMBEDDINGS=False):
        reset_backend()
        demo_load(data_dir=DEMO_DATA_DIR, credentials_path=tmp_path / "credentials.txt")
        while mirror_deliver_due(get_backend(), limit=500).attempted:
            pass
        yield
    reset_backend()


@pytest.fixture
def restore_latest_schema() -> Iterator[None]:
    """Whatever happens in the test, the database ends at the latest migrations."""
    yield
    _migrate(_latest())


def test_migrations_move_memory_tables_with_their_rows_backwards_and_forwards(
    demo_database: None, restore_latest_schema: None
) -> None:
    new_rows = {new: _rows(new, _columns(new)) for new in OLD_TABLES.values()}
    groups = _rows("memory_memorygroup", "ticket_id, customer_id, customer_name")
    assert all(new_rows.values()), "the demo fills the outbox and the engine's tables"
    assert groups

    _migrate(BEFORE_THE_MOVE)
    tables = _tables()
    assert set(OLD_TABLES) <= tables
    assert not set(OLD_TABLES.values()) & tables
    for old, new in OLD_TABLES.items():
        assert _rows(old, _columns(old)) == new_rows[new]

    _migrate(_latest())
    tables = _tables()
    assert set(OLD_TABLES.values()) <= tables
    assert not set(OLD_TABLES) & tables
    for new, rows in new_rows.items():
        assert _rows(new, _columns(new)) == rows
    assert _rows("memory_memorygroup", "ticket_id, customer_id, customer_name") == groups


def test_engine_tables_learn_who_wrote_each_document_from_the_messages(
    demo_database: None, restore_latest_schema: None
) -> None:
    _migrate(BEFORE_THE_ENGINE_OWNS_ITS_TABLES)
    _migrate(_latest())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN d.is_customer = (m.role = 'customer') THEN 1 ELSE 0 "
            "END) FROM memory_memorydocument d JOIN tickets_message m ON m.id = d.message_id"
        )
        documents, right = cursor.fetchone()
        cursor.execute("SELECT COUNT(DISTINCT ticket_id) FROM memory_memorydocument")
        (tickets,) = cursor.fetchone()
    assert documents > 0
    assert right == documents
    assert MemoryGroup.objects.count() == tickets
    assert not MemoryGroup.objects.filter(name="").exists()


def test_agent_corrections_become_agent_notes_and_back(restore_latest_schema: None) -> None:
    ticket = TicketFactory()
    _migrate(BEFORE_THE_ENGINE_OWNS_ITS_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO memory_memory (customer_id, ticket_id, kind, category, text, "
            "is_corrected, created_at) VALUES (%s, %s, 'profile', 'agent note', %s, %s, %s)",
            [ticket.customer_id, ticket.pk, "Prefers e-mail", True, timezone.now()],
        )

    _migrate(_latest())
    note = AgentNote.objects.get()
    assert (note.customer_id, note.ticket_id, note.text) == (
        ticket.customer_id,
        ticket.pk,
        "Prefers e-mail",
    )
    assert not Memory.objects.exists()

    _migrate(BEFORE_THE_ENGINE_OWNS_ITS_TABLES)
    assert _rows("memory_memory", "text, is_corrected") == [("Prefers e-mail", True)]


def test_permissions_on_moved_models_follow_them(restore_latest_schema: None) -> None:
    _migrate(BEFORE_THE_MOVE)
    old_type = ContentType.objects.get(app_label="tickets", model="mirrorentry")
    group = Group.objects.create(name="Mirror operators")
    permission = Permission.objects.get(content_type=old_type, codename="change_mirrorentry")
    group.permissions.add(permission)

    _migrate(_latest())
    ContentType.objects.clear_cache()
    moved = ContentType.objects.get(pk=old_type.pk)
    assert (moved.app_label, moved.model) == ("memory", "mirrorentry")
    assert group.permissions.filter(
        content_type__app_label="memory", codename="change_mirrorentry"
    ).exists()
