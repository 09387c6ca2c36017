"""A customer with a big history: the newest tickets plus full-text candidates, never more.

The bounds are shrunk so that a few tickets make a "big" history: the newest 3 tickets are
always ranked and the full-text search adds at most 2 older ones.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.embedded import history, ranking
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.models import MemoryDocument
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NEWER_TOPICS = [
    ["My invoice shows the wrong address.", "We corrected the address on the invoice."],
    ["The wifi drops every evening.", "Please restart the router."],
    ["I cannot log in to the portal.", "We reset your password."],
    ["My parcel arrived damaged.", "We are sending a replacement."],
    ["Can I change my delivery day?", "Yes, from the portal."],
]


@pytest.fixture(autouse=True)
def _small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "RECENT_TICKETS", 3)
    monkeypatch.setattr(history, "CANDIDATE_TICKETS", 2)


def _history(customer: Customer, first: list[str]) -> Ticket:
    """An old ticket with `first`'s messages, then five newer ones about other things."""
    old = ticket_with_messages(customer, first[0][:60], first)
    for bodies in NEWER_TOPICS:
        ticket_with_messages(customer, bodies[0][:60], bodies)
    return old


def _related(backend: EmbeddedBackend, customer: Customer, query: str) -> list[int]:
    matches = backend.related_tickets(customer_id=ids.customer_id(customer.pk), query=query)
    return [match.ticket_id for match in matches]


@override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=0)
def test_an_old_ticket_outside_the_newest_tickets_is_found_by_full_text() -> None:
    customer = CustomerFactory()
    old = _history(customer, ["My Brother printer shows offline.", "Reinstall the driver."])
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)
    assert old.pk not in history.recent_tickets(customer.pk, history.RECENT_TICKETS)

    assert _related(backend, customer, "the printer is offline again")[0] == old.pk


@override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=0)
def test_a_rare_word_finds_its_ticket_among_many_sharing_a_common_one() -> None:
    customer = CustomerFactory()
    wanted = ticket_with_messages(customer, "Refund", ["Refund for order AC7Q41 please."])
    for number in range(4):
        ticket_with_messages(customer, "Refund", [f"Refund please, case {number}."])
    for bodies in NEWER_TOPICS[:3]:
        ticket_with_messages(customer, bodies[0][:60], bodies)
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)

    assert wanted.pk in _related(backend, customer, "Where is my refund for order AC7Q41?")


def test_below_the_threshold_results_equal_ranking_the_whole_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = CustomerFactory()
    _history(customer, ["My Brother printer shows offline.", "Reinstall the driver."])
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)
    rows = MemoryDocument.objects.filter(customer_id=customer.pk).order_by("created_at", "id")
    whole = [
        ranking.Document(
            ticket_id=row.ticket_id,
            message_id=row.message_id,
            text=row.text,
            created_at=row.created_at,
            speaker=row.speaker,
        )
        for row in rows
    ]
    monkeypatch.setattr(history, "fulltext_tickets", pytest.fail)  # must not be asked

    for query in ["printer offline", "invoice address", "router wifi evening", "portal"]:
        expected = [hit.ticket_id for hit in ranking.rank_tickets(query, whole)]
        with override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=len(whole)):
            assert _related(backend, customer, query) == expected


@override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=0)
def test_another_customers_documents_never_appear_on_the_big_history_path() -> None:
    mine, theirs = CustomerFactory(), CustomerFactory(name="Twin")
    _history(mine, ["My phone screen is cracked.", "We will repair it."])
    their_old = _history(theirs, ["My Brother printer shows offline.", "Reinstall the driver."])
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)
    own = set(Ticket.objects.filter(customer=mine).values_list("pk", flat=True))

    found = _related(backend, mine, "Brother printer offline driver")
    candidates = history.fulltext_tickets(
        mine.pk, ["brother", "printer", "offlin", "driver"], exclude=[], limit=10
    )

    assert set(found) <= own
    assert their_old.pk not in candidates
    assert set(candidates) <= own


HOSTILE_QUERIES = [
    '"printer" OR 1=1 --',
    "printer & offline | !driver :* <-> (a) 'b'",
    "&|!:*()<>'\"\\",
    "printer\x00offline",
    "printer " * 3000,
    "x" * 20_000,
    "%_\\'; DROP TABLE memory_memorydocument; --",
    "drucker ist offline, 打印机 离线 🙂",
    "or and not",
]


@override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=0)
@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_text_does_not_fail_the_big_history_search(query: str) -> None:
    customer = CustomerFactory()
    _history(customer, ["My Brother printer shows offline.", "Reinstall the driver."])
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)
    customer_id = ids.customer_id(customer.pk)
    own = set(Ticket.objects.filter(customer=customer).values_list("pk", flat=True))

    related = backend.related_tickets(customer_id=customer_id, query=query)
    recurring = backend.recurring_candidates(customer_id=customer_id, query=query)

    assert {match.ticket_id for match in [*related, *recurring]} <= own


@override_settings(MEMORY_FULL_HISTORY_DOCUMENTS=0)
def test_the_current_ticket_is_left_out_of_its_own_related_tickets_on_the_big_path() -> None:
    customer = CustomerFactory()
    old = _history(customer, ["My Brother printer shows offline.", "Reinstall the driver."])
    current = ticket_with_messages(customer, "Printer", ["The printer is offline again."])
    backend = EmbeddedBackend(embedder=None)
    deliver_all(backend)

    matches = backend.related_tickets(
        customer_id=ids.customer_id(customer.pk),
        query="The printer is offline again.",
        exclude_group_id=ids.group_id(current.pk),
    )

    found = [match.ticket_id for match in matches]
    assert found[0] == old.pk
    assert current.pk not in found
