"""`bulk_import` writes what the services would, outbox included, so the mirror delivers it all."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from bench.search_indexes import search_indexes_deferred
from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.models import Memory, MemoryDocument, MirrorEntry
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tickets import services
from tickets.models import Message, Ticket
from tickets.search import message_search
from tickets.services.bulk import (
    ImportCustomer,
    ImportMessage,
    ImportTicket,
    bulk_import,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _ticket(subject: str, bodies: list[str], *, status: str, day: int) -> ImportTicket:
    created = START + dt.timedelta(days=day)
    return ImportTicket(
        subject=subject,
        created_at=created,
        status=status,
        messages=tuple(
            ImportMessage(
                role=Message.Role.CUSTOMER if n % 2 == 0 else Message.Role.AGENT,
                body=body,
                created_at=created + dt.timedelta(minutes=n),
                author_name="" if n % 2 == 0 else "Support",
                external_id=f"src-{day}-{n}",
            )
            for n, body in enumerate(bodies)
        ),
    )


def _customers() -> list[ImportCustomer]:
    return [
        ImportCustomer(
            external_id="crm-1",
            name="Ada Lovelace",
            created_at=START,
            tickets=(
                _ticket(
                    "Router drops", ["My router drops.", "Update it."], status="resolved", day=0
                ),
                _ticket("Again", ["It drops again.", "Sorry!", "Still."], status="open", day=9),
            ),
        ),
        ImportCustomer(
            external_id="crm-2",
            name="Charles Babbage",
            created_at=START,
            tickets=(_ticket("Invoice", ["Wrong address.", "Fixed."], status="closed", day=3),),
        ),
    ]


def test_bulk_import_writes_customers_tickets_messages_and_their_trail() -> None:
    report = bulk_import(customers=_customers())

    assert (report.customers, report.tickets, report.messages) == (2, 3, 7)
    ada = Customer.objects.get(external_id="crm-1")
    resolved, still_open = ada.tickets.order_by("created_at")
    assert resolved.status == "resolved"
    assert resolved.closed_at is not None
    assert still_open.status == "open"
    assert still_open.closed_at is None
    assert still_open.last_message_at == START + dt.timedelta(days=9, minutes=2)
    assert [m.author_name for m in still_open.messages.all()] == [
        "Ada Lovelace",
        "Support",
        "Ada Lovelace",
    ]
    assert list(resolved.events.values_list("kind", "old_value", "new_value")) == [
        ("created", "", "open"),
        ("status_changed", "open", "resolved"),
    ]


def test_every_imported_message_has_exactly_one_pending_outbox_entry() -> None:
    bulk_import(customers=_customers())

    for message in Message.objects.all():
        entries = MirrorEntry.objects.filter(message=message)
        assert entries.count() == 1
        entry = entries.get()
        assert entry.kind == MirrorEntry.Kind.MESSAGE
        assert entry.state == MirrorEntry.State.PENDING
        assert (entry.ticket_id, entry.customer_id) == (
            message.ticket_id,
            message.ticket.customer_id,
        )


def test_outbox_entries_come_in_the_order_the_signals_write_them() -> None:
    bulk_import(customers=_customers())

    for ticket in Ticket.objects.all():
        entries = list(ticket.mirror_entries.order_by("id"))
        expected = ["ticket_opened"] + ["message"] * ticket.messages.count()
        if ticket.is_done:
            expected.append("ticket_closed")
        assert [entry.kind for entry in entries] == expected
        message_ids = [entry.message_id for entry in entries if entry.message_id]
        assert message_ids == list(ticket.messages.values_list("id", flat=True))
    closing = MirrorEntry.objects.get(kind="ticket_closed", ticket__subject="Invoice")
    assert closing.payload["status"] == "closed"
    assert closing.payload["sequence"] == 1


def test_sync_memory_delivers_every_imported_message_to_the_embedded_engine() -> None:
    bulk_import(customers=_customers())

    call_command("sync_memory", stdout=StringIO())

    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()
    assert MemoryDocument.objects.count() == Message.objects.count() == 7
    closed = Ticket.objects.filter(status__in=Ticket.DONE_STATUSES)
    extracted = Memory.objects.filter(ticket_id__in=[t.pk for t in closed])
    assert extracted.exists()  # extracted on closing


def test_sync_memory_delivers_every_imported_message_to_evermemos_once(settings) -> None:
    bulk_import(customers=_customers())

    with EverMemOSServer() as server:
        settings.MEMORY_BACKEND = "evermemos"
        settings.EVERMEMOS_BASE_URL = server.base_url
        call_command("sync_memory", stdout=StringIO())
        sent = [
            message["message_id"]
            for ticket in Ticket.objects.all()
            for message in server.messages(ids.group_id(ticket.pk))
        ]

    expected = [ids.message_id(pk) for pk in Message.objects.values_list("id", flat=True)]
    assert sorted(m for m in sent if m in expected) == sorted(expected)
    assert len(set(sent)) == len(sent)
    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()


def test_bulk_import_skips_customers_already_stored() -> None:
    bulk_import(customers=_customers()[:1])

    report = bulk_import(customers=_customers())

    assert (report.customers, report.skipped, report.messages) == (1, 1, 2)
    assert Customer.objects.count() == 2
    assert MirrorEntry.objects.filter(kind="message").count() == 7


def test_bulk_import_ids_follow_rows_already_written_by_the_services() -> None:
    ticket = services.ticket_create(customer=CustomerFactory(), subject="Earlier")
    earlier = services.message_record(ticket=ticket, role="customer", body="Hi").message

    bulk_import(customers=_customers())

    imported = Message.objects.exclude(pk=earlier.pk)
    assert min(imported.values_list("id", flat=True)) > earlier.pk
    assert all(
        entry.message.ticket_id == entry.ticket_id
        for entry in MirrorEntry.objects.filter(kind="message").select_related("message")
    )


def _robot_row(external_id: str) -> ImportCustomer:
    """A customer whose one message has a role that does not exist."""
    message = ImportMessage(role="robot", body="Beep", created_at=START)
    ticket = ImportTicket(subject="Bad", created_at=START, messages=(message,))
    return ImportCustomer(
        external_id=external_id, name="Grace Hopper", created_at=START, tickets=(ticket,)
    )


def test_bulk_import_writes_nothing_when_a_row_is_invalid() -> None:
    bad = _robot_row("crm-3")

    with pytest.raises(ValidationError):
        bulk_import(customers=[*_customers(), bad])

    assert not Customer.objects.exists()
    assert not MirrorEntry.objects.exists()


def test_bulk_import_refuses_naive_times() -> None:
    naive = ImportCustomer(
        external_id="crm-4", name="Alan Turing", created_at=START.replace(tzinfo=None), tickets=()
    )

    with pytest.raises(ValidationError, match="time zone"):
        bulk_import(customers=[naive])


def test_imported_tickets_show_on_their_pages(agent_client) -> None:
    bulk_import(customers=_customers())
    ticket = Ticket.objects.get(subject="Again")

    response = agent_client.get(ticket.get_absolute_url())

    assert response.status_code == 200
    assert "It drops again." in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search indexes: PostgreSQL only")
@pytest.mark.django_db(transaction=True)  # as the command runs it: each batch commits
def test_deferred_search_indexes_come_back_as_the_migration_made_them() -> None:
    def definitions() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes "
                "WHERE indexname LIKE '%%_trgm_idx' OR indexname LIKE '%%_fts_idx'"
            )
            return {row[0] for row in cursor.fetchall()}

    before = definitions()

    with search_indexes_deferred():
        assert definitions() == set()
        bulk_import(customers=_customers())

    assert definitions() == before
    assert {definition.split()[2] for definition in before} == {
        "message_body_fts_idx",
        "ticket_subject_trgm_idx",
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 trigger")
def test_import_leaves_the_search_trigger_as_the_migration_made_it() -> None:
    def trigger() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'tickets_message_fts_insert'"
            )
            return cursor.fetchone()[0]

    before = trigger()

    bulk_import(customers=_customers())

    assert trigger() == before
    services.message_record(
        ticket=Ticket.objects.first(), role="customer", body="a word nobody else wrote: quokka"
    )
    assert [message.body for message in message_search("quokka")] == [
        "a word nobody else wrote: quokka"
    ]


def _with_message(*, author_name: str) -> ImportCustomer:
    message = ImportMessage(role="agent", body="Hello", created_at=START, author_name=author_name)
    return ImportCustomer(
        external_id="crm-5",
        name="Grace Hopper",
        created_at=START,
        tickets=(ImportTicket(subject="Fine", created_at=START, messages=(message,)),),
    )


@pytest.mark.parametrize(
    ("customer", "field", "where", "label"),
    [
        (
            ImportCustomer(
                external_id="crm-5",
                name="Grace\r\nBcc: x@example.com",
                created_at=START,
                tickets=(),
            ),
            "name",
            "Row 3 (customer 'crm-5')",
            "A customer's name",
        ),
        (
            ImportCustomer(
                external_id="crm-5",
                name="Grace Hopper",
                created_at=START,
                tickets=(ImportTicket(subject="Bug\x00fix", created_at=START, messages=()),),
            ),
            "subject",
            "Row 3 (customer 'crm-5'), ticket 1",
            "A subject",
        ),
        (
            _with_message(author_name="Sam\u2028Support"),
            "author_name",
            "Row 3 (customer 'crm-5'), ticket 1, message 1",
            "An author's name",
        ),
    ],
)
def test_bulk_import_refuses_line_breaks_in_one_line_fields_naming_row_and_field(
    customer: ImportCustomer, field: str, where: str, label: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        bulk_import(customers=[*_customers(), customer])

    assert refused.value.message_dict == {
        field: [f"{where}: {label} must be one line, without line breaks or control characters."]
    }
    assert not Customer.objects.exists()
    assert not Message.objects.exists()
    assert not MirrorEntry.objects.exists()


def test_bulk_import_names_the_message_within_its_ticket() -> None:
    fine = _with_message(author_name="Sam")
    bad = ImportCustomer(
        external_id=fine.external_id,
        name=fine.name,
        created_at=START,
        tickets=(
            fine.tickets[0],
            ImportTicket(
                subject="Also fine",
                created_at=START,
                messages=(
                    ImportMessage(role="customer", body="One", created_at=START),
                    ImportMessage(role="agent", body="Two", created_at=START, author_name="A\tB"),
                ),
            ),
        ),
    )

    with pytest.raises(ValidationError) as refused:
        bulk_import(customers=[bad])

    (message,) = refused.value.message_dict["author_name"]
    assert message.startswith("Row 1 (customer 'crm-5'), ticket 2, message 2: ")


def test_bulk_import_counts_rows_it_skips_when_naming_a_bad_one() -> None:
    CustomerFactory(external_id="crm-1")
    bad = ImportCustomer(external_id="crm-9", name="Bad\nName", created_at=START, tickets=())

    with pytest.raises(ValidationError, match=r"Row 3 \(customer 'crm-9'\)"):
        bulk_import(customers=[*_customers(), bad])


def test_bulk_import_names_the_row_of_other_refusals_too() -> None:
    bad = _robot_row("crm-6")

    with pytest.raises(ValidationError) as refused:
        bulk_import(customers=[bad])

    assert refused.value.message_dict == {
        "role": ["Row 1 (customer 'crm-6'), ticket 1, message 1: Unknown role 'robot'."]
    }


def test_bulk_import_takes_one_line_names_as_they_are() -> None:
    """Spaces, accents and punctuation are one line: only breaks and control characters fail."""
    fine = ImportCustomer(
        external_id="crm-7",
        name="Zoë O'Brien-Łukasiewicz",
        created_at=START,
        tickets=(
            ImportTicket(
                subject="Wi-Fi: « no signal » — 5 GHz",
                created_at=START,
                messages=(
                    ImportMessage(
                        role="agent",
                        body="Hi\nthere",
                        created_at=START,
                        author_name="Sam (Billing)",
                    ),
                ),
            ),
        ),
    )

    report = bulk_import(customers=[fine])

    assert report.messages == 1
    assert Message.objects.get().body == "Hi\nthere"
