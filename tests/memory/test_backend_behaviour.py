"""One behaviour suite for both memory backends: what the product relies on, whichever runs.

The EverMemOS backend runs against the loopback server; the embedded engine on
the test database. Both are fed through the real mirror (signals, entries,
delivery), as in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.events import mirror_send
from helpdesk.memory.services.mirror import mirror_claim
from helpdesk.memory.types import DeliveryOutcome
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["embedded", "evermemos"])
def backend(
    request: pytest.FixtureRequest,
    evermemos_server: EverMemOSServer,
    evermemos_backend_factory: Callable[..., MemoryBackend],
) -> Iterator[MemoryBackend]:
    if request.param == "embedded":
        yield EmbeddedBackend(embedder=None)
    else:
        yield evermemos_backend_factory(evermemos_server)


@dataclass
class History:
    ada: Customer
    twin: Customer
    wifi: Ticket
    invoice: Ticket
    current: Ticket
    twin_wifi: Ticket


@pytest.fixture
def history(backend: MemoryBackend) -> History:
    # Two customers with the same name and the same kind of problem.
    ada = CustomerFactory(name="Ada Lovelace")
    twin = CustomerFactory(name="Ada Lovelace")
    wifi = ticket_with_messages(
        ada,
        "Wi-Fi drops every evening",
        [
            "My Fritzbox router drops the wifi every evening. I prefer to be contacted by email.",
            "Please update the router firmware to 7.57.",
            "The firmware update fixed the wifi, thanks.",
        ],
        close=True,
    )
    invoice = ticket_with_messages(
        ada,
        "Charged twice",
        ["I was charged twice on my March invoice.", "We refunded the second charge."],
        close=True,
    )
    twin_wifi = ticket_with_messages(
        twin,
        "Wifi dropping",
        ["The wifi keeps dropping every evening on my router.", "Restart it please."],
        close=True,
    )
    current = ticket_with_messages(
        ada, "Wifi again", ["The wifi dropped again tonight."], close=False
    )
    deliver_all(backend)
    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()
    return History(
        ada=ada, twin=twin, wifi=wifi, invoice=invoice, current=current, twin_wifi=twin_wifi
    )


def related(backend: MemoryBackend, customer: Customer, query: str, exclude: Ticket | None = None):
    return backend.related_tickets(
        customer_id=ids.customer_id(customer.pk),
        query=query,
        exclude_group_id=ids.group_id(exclude.pk) if exclude else None,
    )


def test_related_tickets_find_the_same_issue_first(
    backend: MemoryBackend, history: History
) -> None:
    matches = related(backend, history.ada, "the wifi dropped again tonight", history.current)

    assert matches[0].ticket_id == history.wifi.pk


def test_related_tickets_never_include_the_current_or_another_customersticket_with_messages(
    backend: MemoryBackend, history: History
) -> None:
    matches = related(backend, history.ada, "wifi router evening dropping", history.current)
    twin_matches = related(backend, history.twin, "wifi router evening dropping invoice")

    assert {m.ticket_id for m in matches} <= {history.wifi.pk, history.invoice.pk}
    assert {m.ticket_id for m in twin_matches} <= {history.twin_wifi.pk}


def test_closed_ticket_has_memories_of_its_own(backend: MemoryBackend, history: History) -> None:
    memories = backend.ticket_memories(
        customer_id=ids.customer_id(history.ada.pk), group_id=ids.group_id(history.wifi.pk)
    )

    assert memories
    assert all(m.source.ticket_id in (None, history.wifi.pk) for m in memories)


def test_profile_is_learned_and_kept_per_customer(backend: MemoryBackend, history: History) -> None:
    profile = backend.customer_profile(customer_id=ids.customer_id(history.ada.pk), query="wifi")

    assert profile
    own = {history.wifi.pk, history.invoice.pk, history.current.pk}
    assert all(fact.source.ticket_id in (None, *own) for fact in profile)


def test_delivering_a_message_again_is_a_duplicate(
    backend: MemoryBackend, history: History
) -> None:
    entry = MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MESSAGE).first()
    MirrorEntry.objects.filter(pk=entry.pk).update(state=MirrorEntry.State.PENDING)
    (claimed,) = mirror_claim()

    assert mirror_send(claimed, backend) == DeliveryOutcome.DUPLICATE


def test_forgetting_a_customer_leaves_the_other_untouched(
    backend: MemoryBackend, history: History
) -> None:
    backend.forget_customer(customer_id=ids.customer_id(history.ada.pk))

    assert related(backend, history.ada, "wifi router evening") == []
    assert related(backend, history.twin, "wifi router evening")


def test_blank_query_finds_nothing(backend: MemoryBackend, history: History) -> None:
    assert related(backend, history.ada, "   ") == []
