"""Bulk import: many customers with their tickets and messages in one transaction per batch.

`bulk_import` writes what the services would write, row for row, but with
`bulk_create`: customers, tickets, the audit trail (created, then resolved or
closed), messages, and the memory mirror's outbox. Signals do not fire on
`bulk_create`, so the outbox rows are written here explicitly, in the same
transaction and in the order the signals would have written them (ticket
opened, each message, ticket closed), so that the mirror delivers every
imported message exactly once, after commit.

A customer whose `external_id` is already stored is skipped whole: an import
interrupted between batches resumes by running it again.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from customers.models import Customer
from helpdesk.memory import worker
from helpdesk.memory.models import MirrorEntry
from tickets.models import Message, Ticket, TicketEvent


@dataclass(frozen=True)
class ImportMessage:
    role: str
    body: str
    created_at: datetime.datetime
    author_name: str = ""
    external_id: str | None = None


@dataclass(frozen=True)
class ImportTicket:
    subject: str
    created_at: datetime.datetime
    messages: tuple[ImportMessage, ...]
    status: str = Ticket.Status.OPEN
    channel: str = Ticket.Channel.CHAT
    closed_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ImportCustomer:
    external_id: str
    name: str
    created_at: datetime.datetime
    tickets: tuple[ImportTicket, ...]
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ImportReport:
    customers: int = 0
    skipped: int = 0
    tickets: int = 0
    messages: int = 0
    mirror_entries: int = 0

    def __add__(self, other: ImportReport) -> ImportReport:
        return ImportReport(
            customers=self.customers + other.customers,
            skipped=self.skipped + other.skipped,
            tickets=self.tickets + other.tickets,
            messages=self.messages + other.messages,
            mirror_entries=self.mirror_entries + other.mirror_entries,
        )


def _aware(value: datetime.datetime | None, field: str) -> None:
    if value is not None and timezone.is_naive(value):
        raise ValidationError({field: "A time must include a time zone."})


ROLES = frozenset(Message.Role.values)
STATUSES = frozenset(Ticket.Status.values)


def _validate(customer: ImportCustomer) -> None:
    """The rules the services and constraints apply, checked before anything is written."""
    if not customer.external_id.strip() or not customer.name.strip():
        raise ValidationError("A customer needs an external id and a name.")
    if len(customer.external_id) > 128 or len(customer.name) > 200:
        raise ValidationError("An external id has at most 128 characters, a name 200.")
    if len(customer.email) > 254 or len(customer.phone) > 40:
        raise ValidationError("An email has at most 254 characters, a phone number 40.")
    _aware(customer.created_at, "created_at")
    for ticket in customer.tickets:
        if not ticket.subject.strip() or len(ticket.subject) > 200:
            raise ValidationError({"subject": "A subject has 1 to 200 characters."})
        if ticket.status not in STATUSES:
            raise ValidationError({"status": f"Unknown status {ticket.status!r}."})
        _aware(ticket.created_at, "created_at")
        _aware(ticket.closed_at, "closed_at")
        for message in ticket.messages:
            if message.role not in ROLES:
                raise ValidationError({"role": f"Unknown role {message.role!r}."})
            if not message.body.strip():
                raise ValidationError({"body": "A message needs some text."})
            if len(message.body) > settings.MESSAGE_BODY_MAX_LENGTH:
                raise ValidationError(
                    {"body": f"A message is at most {settings.MESSAGE_BODY_MAX_LENGTH} characters."}
                )
            if message.external_id and len(message.external_id) > 128:
                raise ValidationError({"external_id": "At most 128 characters."})
            _aware(message.created_at, "created_at")


class _Writer:
    """Rows into one table per call, with the ORM's column names and value adapters.

    `bulk_create` spends about nine tenths of an import compiling SQL object by
    object (measured: about 3,000 messages a second with the outbox, on SQLite);
    this writes the same rows with one prepared statement per table instead:
    `executemany` on SQLite, COPY on PostgreSQL. New ids come back in row order:
    on SQLite from the last rowid (the transaction holds the write lock from its
    first insert on, so one statement's ids are consecutive, which is checked),
    on PostgreSQL reserved from the table's sequence first.
    """

    def __init__(self) -> None:
        if connection.vendor not in ("sqlite", "postgresql"):
            raise ImproperlyConfigured(
                f"bulk_import supports SQLite and PostgreSQL, not {connection.vendor}."
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
        concrete = {field.name: field.column for field in model._meta.concrete_fields}
        columns = [concrete[name] for name in fields]
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


@dataclass(frozen=True)
class _Planned:
    customer_id: int
    customer_name: str
    source: ImportTicket
    messages: list[ImportMessage]
    last_message_at: datetime.datetime
    closed_at: datetime.datetime | None


def _plan(customer_id: int, customer: ImportCustomer) -> Iterator[_Planned]:
    for ticket in customer.tickets:
        messages = sorted(ticket.messages, key=lambda message: message.created_at)
        last = max([ticket.created_at, *(message.created_at for message in messages)])
        is_done = ticket.status in Ticket.DONE_STATUSES
        yield _Planned(
            customer_id=customer_id,
            customer_name=customer.name,
            source=ticket,
            messages=messages,
            last_message_at=last,
            closed_at=(ticket.closed_at or last) if is_done else None,
        )


def _closing_payload(plan: _Planned) -> dict[str, object]:
    """What `helpdesk.memory.signals.closing_payload` says of a ticket closed once."""
    closed_at = plan.closed_at.astimezone(datetime.UTC).isoformat() if plan.closed_at else None
    return {"status": plan.source.status, "closed_at": closed_at, "sequence": 1}


TICKET_FIELDS = ("customer", "subject", "channel", "status", "priority")
TICKET_TIME_FIELDS = ("created_at", "updated_at", "last_message_at", "closed_at")
EVENT_FIELDS = ("ticket", "kind", "old_value", "new_value", "note", "created_at")
MESSAGE_FIELDS = ("ticket", "role", "author_name", "body", "created_at", "external_id")
ENTRY_FIELDS = ("ticket", "customer", "message", "kind", "payload")
ENTRY_STATE_FIELDS = ("state", "attempts", "next_attempt_at", "last_error", "outcome")
ENTRY_TAIL_FIELDS = ("needs_verification", "created_at")


def _event_rows(writer: _Writer, ticket_ids: list[int], plans: list[_Planned]) -> list[tuple]:
    """The trail `ticket_create` and `ticket_close` leave: created open, then resolved or closed."""
    rows: list[tuple] = []
    for ticket_id, plan in zip(ticket_ids, plans, strict=True):
        status = plan.source.status
        opened = writer.time(plan.source.created_at)
        rows.append((ticket_id, TicketEvent.Kind.CREATED, "", Ticket.Status.OPEN, "", opened))
        if status != Ticket.Status.OPEN:
            changed = writer.time(plan.closed_at or plan.last_message_at)
            kind = TicketEvent.Kind.STATUS_CHANGED
            rows.append((ticket_id, kind, Ticket.Status.OPEN, status, "", changed))
    return rows


def _message_rows(writer: _Writer, ticket_ids: list[int], plans: list[_Planned]) -> list[tuple]:
    rows = []
    for ticket_id, plan in zip(ticket_ids, plans, strict=True):
        for message in plan.messages:
            is_customer = message.role == Message.Role.CUSTOMER
            author = message.author_name or (plan.customer_name if is_customer else "")
            created = writer.time(message.created_at)
            external_id = message.external_id or None
            rows.append((ticket_id, message.role, author[:200], message.body, created, external_id))
    return rows


def _entry_rows(
    ticket_ids: list[int], plans: list[_Planned], message_ids: list[int], stamp: object
) -> list[tuple]:
    """The outbox, in the order the signals write it: opened, each message, closed."""
    state = (MirrorEntry.State.PENDING, 0, stamp, "", "", False, stamp)
    empty = json.dumps({})
    new_message_ids = iter(message_ids)
    rows: list[tuple] = []
    for ticket_id, plan in zip(ticket_ids, plans, strict=True):
        head = (ticket_id, plan.customer_id)
        rows.append((*head, None, MirrorEntry.Kind.TICKET_OPENED, empty, *state))
        for _ in plan.messages:
            message_id = next(new_message_ids)
            rows.append((*head, message_id, MirrorEntry.Kind.MESSAGE, empty, *state))
        if plan.source.status in Ticket.DONE_STATUSES:
            payload = json.dumps(_closing_payload(plan))
            rows.append((*head, None, MirrorEntry.Kind.TICKET_CLOSED, payload, *state))
    return rows


# SQLite's FTS5 index of message text (migration 0009): its insert trigger, as created there.
SQLITE_INDEX_TRIGGER = "tickets_message_fts_insert"
SQLITE_INDEX_TRIGGER_SQL = (
    "CREATE TRIGGER tickets_message_fts_insert AFTER INSERT ON tickets_message BEGIN "
    "INSERT INTO tickets_message_fts(rowid, body) VALUES (new.id, new.body); END"
)


@contextmanager
def _sqlite_search_index_by_statement() -> Iterator[Callable[[list[int]], None]]:
    """On SQLite, index a batch's messages with one statement instead of the insert trigger.

    FTS5 writes what a trigger gave it at the end of each row's statement, so row by row
    it writes a small index segment per message and merges them later: about 35,000
    messages/s, against 190,000/s in one `INSERT ... SELECT` (bench/search.py). Inside the
    import's transaction, which holds SQLite's write lock, the trigger is dropped, the rows
    written, indexed by id range, and the trigger created again; a failure rolls all of it
    back. Elsewhere, or without the index: nothing to do.
    """
    has_trigger = False
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [SQLITE_INDEX_TRIGGER],
            )
            has_trigger = cursor.fetchone() is not None
    if not has_trigger:
        yield lambda ids: None
        return

    def index(ids: list[int]) -> None:
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO tickets_message_fts(rowid, body) "
                    "SELECT id, body FROM tickets_message WHERE id BETWEEN %s AND %s",
                    [ids[0], ids[-1]],
                )

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {SQLITE_INDEX_TRIGGER}")
    yield index
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_INDEX_TRIGGER_SQL)


@transaction.atomic
def bulk_import(*, customers: Sequence[ImportCustomer]) -> ImportReport:
    """Import customers with their tickets and messages, and queue them all for the mirror.

    Customers already stored (by `external_id`) are skipped; the rest is
    validated first, so a bad row writes nothing.
    """
    wanted = {customer.external_id for customer in customers}
    stored = set(
        Customer.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    fresh = [customer for customer in customers if customer.external_id not in stored]
    if len({customer.external_id for customer in fresh}) != len(fresh):
        raise ValidationError({"external_id": "A customer appears twice in one import."})
    for customer in fresh:
        _validate(customer)
    if not fresh:
        return ImportReport(skipped=len(customers))

    writer = _Writer()
    at, stamp = writer.time, writer.time(timezone.now())
    customer_ids = writer.insert(
        Customer,
        ("external_id", "name", "email", "phone", "created_at", "updated_at"),
        [(c.external_id, c.name, c.email, c.phone, at(c.created_at), stamp) for c in fresh],
        ids=True,
    )
    plans = [
        plan
        for customer_id, customer in zip(customer_ids, fresh, strict=True)
        for plan in _plan(customer_id, customer)
    ]
    ticket_rows = [
        (
            *(p.customer_id, p.source.subject.strip(), p.source.channel, p.source.status),
            *(Ticket.Priority.NORMAL, at(p.source.created_at), stamp),
            *(at(p.last_message_at), at(p.closed_at)),
        )
        for p in plans
    ]
    ticket_ids = writer.insert(Ticket, (*TICKET_FIELDS, *TICKET_TIME_FIELDS), ticket_rows, ids=True)
    writer.insert(TicketEvent, EVENT_FIELDS, _event_rows(writer, ticket_ids, plans))
    message_rows = _message_rows(writer, ticket_ids, plans)
    with _sqlite_search_index_by_statement() as indexed:
        message_ids = writer.insert(Message, MESSAGE_FIELDS, message_rows, ids=True)
        indexed(message_ids)
    entry_rows = _entry_rows(ticket_ids, plans, message_ids, stamp)
    writer.insert(MirrorEntry, (*ENTRY_FIELDS, *ENTRY_STATE_FIELDS, *ENTRY_TAIL_FIELDS), entry_rows)
    transaction.on_commit(worker.wake)
    return ImportReport(
        customers=len(customer_ids),
        skipped=len(customers) - len(fresh),
        tickets=len(ticket_ids),
        messages=len(message_ids),
        mirror_entries=len(entry_rows),
    )


# The queue search's indexes on PostgreSQL, as migrations 0006 and 0009 create them.
SEARCH_INDEXES = {
    "message_body_fts_idx": (
        "tickets_message USING gin (to_tsvector('helpdesk_search'::regconfig, body))"
    ),
    "ticket_subject_trgm_idx": "tickets_ticket USING gin ((UPPER(subject::text)) gin_trgm_ops)",
}


@contextmanager
def search_indexes_deferred() -> Iterator[None]:
    """For a large import on PostgreSQL: drop the queue search's indexes (message words,
    subject trigrams), and build them once at the end, faster than keeping them up to date
    row by row (bench/search.py). Searches still work meanwhile, only slower (they read every
    message); an interrupted import leaves them missing until it is run again. Elsewhere:
    no-op (SQLite's FTS5 index is kept by triggers, row by row)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for name in SEARCH_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, definition in SEARCH_INDEXES.items():
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {quoted} ON {definition}")
