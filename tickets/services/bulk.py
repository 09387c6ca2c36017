"""Bulk import: many customers with their tickets and messages in one transaction per batch.

`bulk_import` writes what the services would write, row for row, but many rows per statement
(`helpdesk.rows.RowWriter`): customers, tickets, the audit trail (created, then resolved or
closed) and messages. Model signals do not fire for such rows, so it sends one
`tickets_imported` signal per batch, in the same transaction, with what it wrote: the memory
mirror queues the imported tickets from it, as its receivers would have one by one.

A customer whose `external_id` is already stored is skipped whole: an import
interrupted between batches resumes by running it again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer
from helpdesk.rows import RowWriter
from helpdesk.text import require_one_line
from tickets.models import Message, Ticket, TicketEvent
from tickets.services.validation import require_aware
from tickets.signals import ImportedTicket, tickets_imported


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


ROLES = frozenset(Message.Role.values) - {Message.Role.NOTE}  # imports bring conversations
STATUSES = frozenset(Ticket.Status.values)


@contextmanager
def _row(where: str) -> Iterator[None]:
    """Say which row a refusal is about: each message of the error starts with `where`."""
    try:
        yield
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {
                    field: [f"{where}: {message}" for message in messages]
                    for field, messages in error.message_dict.items()
                }
            ) from None
        raise ValidationError([f"{where}: {message}" for message in error.messages]) from None


def _validate(customer: ImportCustomer, *, row: int) -> None:
    """The rules the services and constraints apply, checked before anything is written.

    `row` is the customer's place in the import (from 1); a refusal names it, and the
    ticket and message within it, before the field's own message.
    """
    where = f"Row {row} (customer {customer.external_id!r})"
    with _row(where):
        if not customer.external_id.strip():
            raise ValidationError({"external_id": "A customer needs an external id."})
        if not customer.name.strip():
            raise ValidationError({"name": "A customer needs a name."})
        if len(customer.external_id) > 128:
            raise ValidationError({"external_id": "An external id has at most 128 characters."})
        if len(customer.name) > 200:
            raise ValidationError({"name": "A name has at most 200 characters."})
        if len(customer.email) > 254:
            raise ValidationError({"email": "An email has at most 254 characters."})
        if len(customer.phone) > 40:
            raise ValidationError({"phone": "A phone number has at most 40 characters."})
        require_one_line(customer.name, field="name", label="A customer's name")
        require_aware(customer.created_at, "created_at")
    for ticket_number, ticket in enumerate(customer.tickets, start=1):
        with _row(f"{where}, ticket {ticket_number}"):
            if not ticket.subject.strip() or len(ticket.subject) > 200:
                raise ValidationError({"subject": "A subject has 1 to 200 characters."})
            require_one_line(ticket.subject, field="subject", label="A subject")
            if ticket.status not in STATUSES:
                raise ValidationError({"status": f"Unknown status {ticket.status!r}."})
            require_aware(ticket.created_at, "created_at")
            require_aware(ticket.closed_at, "closed_at")
        for message_number, message in enumerate(ticket.messages, start=1):
            with _row(f"{where}, ticket {ticket_number}, message {message_number}"):
                _validate_message(message)


def _validate_message(message: ImportMessage) -> None:
    if message.role not in ROLES:
        raise ValidationError({"role": f"Unknown role {message.role!r}."})
    if not message.body.strip():
        raise ValidationError({"body": "A message needs some text."})
    if len(message.body) > settings.MESSAGE_BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": f"A message is at most {settings.MESSAGE_BODY_MAX_LENGTH} characters."}
        )
    require_one_line(message.author_name, field="author_name", label="An author's name")
    if message.external_id and len(message.external_id) > 128:
        raise ValidationError({"external_id": "At most 128 characters."})
    require_aware(message.created_at, "created_at")


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


def _imported(
    ticket_ids: list[int], plans: list[_Planned], message_ids: list[int]
) -> list[ImportedTicket]:
    new_message_ids = iter(message_ids)
    return [
        ImportedTicket(
            ticket_id=ticket_id,
            customer_id=plan.customer_id,
            message_ids=tuple(next(new_message_ids) for _ in plan.messages),
            status=plan.source.status,
            closed_at=plan.closed_at,
        )
        for ticket_id, plan in zip(ticket_ids, plans, strict=True)
    ]


TICKET_FIELDS = ("customer", "subject", "channel", "status", "priority")
TICKET_TIME_FIELDS = ("created_at", "updated_at", "last_message_at", "closed_at")
EVENT_FIELDS = ("ticket", "kind", "old_value", "new_value", "note", "created_at")
MESSAGE_FIELDS = ("ticket", "role", "author_name", "body", "created_at", "external_id")


def _event_rows(writer: RowWriter, ticket_ids: list[int], plans: list[_Planned]) -> list[tuple]:
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


def _message_rows(writer: RowWriter, ticket_ids: list[int], plans: list[_Planned]) -> list[tuple]:
    rows = []
    for ticket_id, plan in zip(ticket_ids, plans, strict=True):
        for message in plan.messages:
            is_customer = message.role == Message.Role.CUSTOMER
            author = message.author_name or (plan.customer_name if is_customer else "")
            created = writer.time(message.created_at)
            external_id = message.external_id or None
            rows.append((ticket_id, message.role, author[:200], message.body, created, external_id))
    return rows


# SQLite's FTS5 index of message text (migration 0009) is kept by this insert trigger.
SQLITE_INDEX_TRIGGER = "tickets_message_fts_insert"


@contextmanager
def _sqlite_search_index_by_statement() -> Iterator[Callable[[list[int]], None]]:
    """On SQLite, index a batch's messages with one statement instead of the insert trigger.

    FTS5 writes what a trigger gave it at the end of each row's statement, so row by row
    it writes a small index segment per message and merges them later: about 35,000
    messages/s, against 190,000/s in one `INSERT ... SELECT` (bench/search.py). Inside the
    import's transaction, which holds SQLite's write lock, the trigger is dropped, the rows
    written, indexed by id range, and the trigger created again as the database had it; a
    failure rolls all of it back. Elsewhere, or without the index: nothing to do.
    """
    trigger_sql = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [SQLITE_INDEX_TRIGGER],
            )
            row = cursor.fetchone()
            trigger_sql = row[0] if row else None
    if trigger_sql is None:
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
        cursor.execute(trigger_sql)


@transaction.atomic
def bulk_import(*, customers: Sequence[ImportCustomer]) -> ImportReport:
    """Import customers with their tickets and messages, and queue them all for the mirror.

    Customers already stored (by `external_id`) are skipped; the rest is
    validated first, so a bad row writes nothing: the `ValidationError` names the row
    (the customer's place in `customers`, and the ticket and message within it) and the
    field, and single-line fields (names, subjects, authors) refuse line breaks and control
    characters as the services do.
    """
    wanted = {customer.external_id for customer in customers}
    stored = set(
        Customer.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    fresh = [customer for customer in customers if customer.external_id not in stored]
    if len({customer.external_id for customer in fresh}) != len(fresh):
        raise ValidationError({"external_id": "A customer appears twice in one import."})
    for row, customer in enumerate(customers, start=1):
        if customer.external_id not in stored:
            _validate(customer, row=row)
    if not fresh:
        return ImportReport(skipped=len(customers))

    writer = RowWriter()
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
    imported = _imported(ticket_ids, plans, message_ids)
    answered: list[object] = [
        answer
        for _, answer in tickets_imported.send(sender=Ticket, tickets=imported, writer=writer)
    ]
    return ImportReport(
        customers=len(customer_ids),
        skipped=len(customers) - len(fresh),
        tickets=len(ticket_ids),
        messages=len(message_ids),
        mirror_entries=sum(answer for answer in answered if isinstance(answer, int)),
    )
