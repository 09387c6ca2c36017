"""One behaviour suite for every memory backend: what the product relies on, whichever runs.

The EverMemOS clients (v0 and v1) run against loopback servers of their version; the
embedded engine on the test database. Where v1 differs by design (it cannot delete a
profile, it does not de-duplicate), the test says so.
All are fed through the real mirror (signals, entries, delivery), as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.backends.evermemos import EverMemOSBackend, EverMemOSV1Backend
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.events import mirror_send
from helpdesk.memory.services.mirror import mirror_claim
from helpdesk.memory.types import DeliveryOutcome
from tests.factories import CustomerFactory
from tests.memory.conftest import CLIENT_TIMEOUT
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["embedded", "v0", "v1"])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Iterator[MemoryBackend]:
    """Each backend in turn: the embedded engine, and a client of a loopback EverMemOS
    server of each API version (the settings speak that version, as the mirror reads them)."""
    if request.param == "embedded":
        yield EmbeddedBackend(embedder=None)
        return
    server: EverMemOSServer | EverMemOSV1Server = (
        EverMemOSServer() if request.param == "v0" else EverMemOSV1Server()
    )
    with server:
        settings.EVERMEMOS_API_VERSION = server.api_version
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "timeout": CLIENT_TIMEOUT,
            "connect_timeout": CLIENT_TIMEOUT,
        }
        client = (
            EverMemOSBackend(**options) if request.param == "v0" else EverMemOSV1Backend(**options)
        )
        try:
            yield client
        finally:
            client.close()


def is_v1(backend: MemoryBackend) -> bool:
    return isinstance(backend, EverMemOSV1Backend)


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


def resend(backend: MemoryBackend, ticket: Ticket) -> DeliveryOutcome:
    """Send one of the ticket's delivered messages again, as after a try that may have
    reached the backend (a timeout, a worker killed before it marked the entry done)."""
    entry = MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MESSAGE, message__ticket=ticket)[0]
    MirrorEntry.objects.filter(pk=entry.pk).update(state=MirrorEntry.State.PENDING, attempts=1)
    (claimed,) = mirror_claim()
    return mirror_send(claimed, backend)


def test_delivering_a_message_again_is_a_duplicate(
    backend: MemoryBackend, history: History
) -> None:
    # The open ticket's message is still pending: v1 finds it among the raw messages.
    assert resend(backend, history.current) == DeliveryOutcome.DUPLICATE


def test_a_message_sent_again_after_its_ticket_was_extracted(
    backend: MemoryBackend, history: History
) -> None:
    outcome = resend(backend, history.wifi)

    if is_v1(backend):
        # By design (contract §3.4): v1 does not de-duplicate and only pending messages can
        # be looked up, so a message re-sent after its segment was extracted is stored
        # again. The mirror never re-sends an entry it marked delivered.
        assert outcome == DeliveryOutcome.DELIVERED
    else:
        assert outcome == DeliveryOutcome.DUPLICATE


def test_forgetting_a_customer_removes_their_profile_only_in_the_embedded_engine(
    backend: MemoryBackend, history: History
) -> None:
    customer = ids.customer_id(history.ada.pk)

    backend.forget_customer(customer_id=customer)

    profile = backend.customer_profile(customer_id=customer)
    if isinstance(backend, EmbeddedBackend):
        assert profile == []
    else:
        # By design: neither EverMemOS API has a call that deletes a profile (v1 contract
        # §9; v0 has no profile delete either). Erasure reports what remains.
        assert profile


def test_forgetting_a_customer_leaves_the_other_untouched(
    backend: MemoryBackend, history: History
) -> None:
    backend.forget_customer(customer_id=ids.customer_id(history.ada.pk))

    assert related(backend, history.ada, "wifi router evening") == []
    assert related(backend, history.twin, "wifi router evening")


def test_blank_query_finds_nothing(backend: MemoryBackend, history: History) -> None:
    assert related(backend, history.ada, "   ") == []
