"""Message text search (`tickets.search`): words and their starts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.contrib.auth.models import User
from django.db import connection

from customers.models import Customer
from helpdesk.privacy import customer_erase
from tests.factories import CustomerFactory, MessageFactory, TicketFactory
from tickets.models import Message, Ticket
from tickets.search import message_search, query_words
from tickets.selectors import ticket_queue
from tickets.services.bulk import ImportCustomer, ImportMessage, ImportTicket, bulk_import

pytestmark = pytest.mark.django_db


def found(query: str) -> set[str]:
    return set(message_search(query).values_list("body", flat=True))


REFUND = "The refund for order 1182 never arrived."


@pytest.fixture
def messages(ticket: Ticket, other_ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="My Fritzbox 7590 blinks red since the update.")
    MessageFactory(ticket=other_ticket, body=REFUND)
    MessageFactory(ticket=other_ticket, body="Crème brûlée at the CAFÉ, charged twice.")


@pytest.mark.usefixtures("messages")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fritzbox", "My Fritzbox 7590 blinks red since the update."),
        ("FRITZ", "My Fritzbox 7590 blinks red since the update."),
        ("7590", "My Fritzbox 7590 blinks red since the update."),
        ("refund never", REFUND),
        ("ref arr", REFUND),
        ("creme brulee", "Crème brûlée at the CAFÉ, charged twice."),
        ("café", "Crème brûlée at the CAFÉ, charged twice."),
        ("Cafe", "Crème brûlée at the CAFÉ, charged twice."),
    ],
)
def test_search_matches_words_and_their_starts_ignoring_case_and_accents(
    query: str, expected: str
) -> None:
    assert found(query) == {expected}


@pytest.mark.usefixtures("messages")
@pytest.mark.parametrize("query", ["box", "itzbox", "590", "fund", "rulee"])
def test_search_does_not_match_inside_a_word(query: str) -> None:
    assert found(query) == set()


@pytest.mark.usefixtures("messages")
def test_search_needs_every_word_in_one_message() -> None:
    assert found("refund twice") == set()
    assert found("refund order") == {REFUND}


@pytest.mark.usefixtures("messages")
def test_search_word_order_and_punctuation_do_not_matter() -> None:
    assert found("never, refund!") == {REFUND}


def test_search_splits_at_punctuation_as_the_index_does(ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="Mail ada@example.com the report.pdf, e-mail v2.5.1")
    queries = ["mail", "e-mail", "ada", "ada@example.com", "report", "report.pdf", "v2"]
    if connection.vendor == "sqlite":  # PostgreSQL keeps these as one word each (README)
        queries += ["example", "com", "pdf", "v2 5 1"]

    for query in queries:
        assert found(query), query


@pytest.mark.parametrize(
    ("body", "query"),
    [
        ("Кириллица и латиница", "кирил"),
        ("Ελληνικά γράμματα", "ελλην"),
        ("Straße gesperrt", "STRASSE" if connection.vendor == "postgresql" else "straße"),
        ("日本語のテキスト", "日本語"),
        ("مرحبا بالعالم", "مرحبا"),
    ],
)
def test_search_finds_words_of_other_scripts(ticket: Ticket, body: str, query: str) -> None:
    MessageFactory(ticket=ticket, body=body)

    assert found(query) == {body}


# (query, finds the refund message)
HOSTILE = [
    ("", False),
    ("   ", False),
    ("!!! ??? ...", False),
    ("'", False),
    ('"', False),
    ("\\", False),
    ("*", False),
    (":*", False),
    ("refund'", True),
    ('refund"', True),
    ("refund\x00", True),
    ("\x00", False),
    ("refund:* | !order", True),
    ("refund & (", True),
    ('refund" OR "x', False),
    ('refund" OR "order', True),
    ("NEAR(refund order)", False),
    ("refund AND NOT order", False),
    ("body:refund", False),
    ("'); DROP TABLE tickets_message; --", False),
    ("refund " * 5000, True),
    ("r" * 100_000, False),
]


@pytest.mark.usefixtures("messages")
@pytest.mark.parametrize(("query", "finds_refund"), HOSTILE)
def test_search_takes_hostile_input_as_words(query: str, finds_refund: bool) -> None:
    words = query_words(query)

    matched = found(query)

    assert all(word.isalnum() for word in words)
    assert len(words) <= 8
    assert matched == ({REFUND} if finds_refund else set())


@pytest.mark.usefixtures("messages")
@pytest.mark.parametrize(("query", "finds_refund"), HOSTILE)
def test_ticket_queue_search_takes_hostile_input(
    agent: User, other_ticket: Ticket, query: str, finds_refund: bool
) -> None:
    tickets = ticket_queue(user=agent, view="all", query=query)

    assert len(tickets) <= 2
    if finds_refund:
        assert other_ticket in tickets


def test_search_of_punctuation_only_finds_no_message(ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="... !!!")

    assert query_words("... !!!") == []
    assert found("... !!!") == set()


def test_query_words_are_at_most_eight_from_the_first_200_characters() -> None:
    assert query_words("a b c d e f g h i j") == ["a", "b", "c", "d", "e", "f", "g", "h"]
    assert query_words("x" * 199 + " late") == ["x" * 199]


def test_search_follows_a_changed_body(ticket: Ticket) -> None:
    message = MessageFactory(ticket=ticket, body="about the modem")

    Message.objects.filter(pk=message.pk).update(body="about the router")

    assert found("modem") == set()
    assert found("router") == {"about the router"}


def test_search_forgets_a_deleted_message(ticket: Ticket) -> None:
    message = MessageFactory(ticket=ticket, body="zanzibar")

    message.delete()

    assert found("zanzibar") == set()


def test_search_finds_no_message_of_an_erased_customer(customer: Customer, ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="Please send it to Zanzibar Road 4")
    someone = CustomerFactory()
    MessageFactory(ticket=TicketFactory(customer=someone), body="Zanzibar holiday")

    customer_erase(customer=customer, actor=None, actor_name="test")

    assert found("zanzibar") == {"Zanzibar holiday"}
    if connection.vendor == "sqlite":
        assert _sqlite_index_terms_starting("zanz") == ["zanzibar"]
        assert _sqlite_index_terms_starting("road") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 pages")
def test_erasure_leaves_no_word_of_the_customer_in_the_sqlite_index_pages(
    customer: Customer, ticket: Ticket
) -> None:
    MessageFactory(ticket=ticket, body="qqxyzzyplugh is my password")
    assert _sqlite_index_pages_hold(b"qqxyzzyplugh")

    customer_erase(customer=customer, actor=None, actor_name="test")

    assert not _sqlite_index_pages_hold(b"qqxyzzyplugh")


def _sqlite_index_pages_hold(word: bytes) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT block FROM tickets_message_fts_data")
        blocks = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT term FROM tickets_message_fts_idx")
        blocks += [row[0] for row in cursor.fetchall()]
    return any(word in bytes(block) for block in blocks if block)


def _sqlite_index_terms_starting(prefix: str) -> list[str]:
    """The words the FTS5 index holds (with deletions applied), by its vocabulary table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.message_fts_terms "
            "USING fts5vocab(main, tickets_message_fts, row)"
        )
        cursor.execute(
            "SELECT term FROM temp.message_fts_terms WHERE term >= %s AND term < %s",
            [prefix, prefix + "\uffff"],
        )
        return [row[0] for row in cursor.fetchall()]


START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
CUSTOMER = ImportCustomer(
    external_id="crm-9",
    name="Grace Hopper",
    created_at=START,
    tickets=(
        ImportTicket(
            subject="Compiler",
            created_at=START,
            messages=(
                ImportMessage(role="customer", body="The COBOL run aborts", created_at=START),
            ),
        ),
    ),
)


def test_search_finds_bulk_imported_messages() -> None:
    bulk_import(customers=[CUSTOMER])

    assert found("cobol abort") == {"The COBOL run aborts"}
    MessageFactory(ticket=Ticket.objects.get(subject="Compiler"), body="Fixed by a patch")
    assert found("patch") == {"Fixed by a patch"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index trigger")
def test_bulk_import_leaves_the_index_trigger_as_the_migration_made_it() -> None:
    migration = importlib.import_module("tickets.migrations.0009_message_full_text_search")
    bulk_import(customers=[CUSTOMER])

    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets_message_fts_insert'")
        assert cursor.fetchone()[0] == migration.SQLITE_CREATE[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plan")
def test_search_uses_the_full_text_index_on_postgresql(ticket: Ticket) -> None:
    MessageFactory(ticket=ticket, body="refund please")
    queryset = message_search("refund")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    assert "message_body_fts_idx" in plan
