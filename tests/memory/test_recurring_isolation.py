"""Recurring issues never mix customers, even same-name customers with identical problems."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.selectors.recurring import customer_recurring_issues, ticket_recurring_issue
from helpdesk.memory.types import Source, TicketMatch
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db

WIFI = "My Fritzbox router drops the wifi connection every evening around eight."


@pytest.fixture(params=["embedded", "evermemos"])
def backend(
    request: pytest.FixtureRequest,
    evermemos_server: EverMemOSServer,
    evermemos_backend_factory: Callable[..., EverMemOSBackend],
):
    if request.param == "embedded":
        return EmbeddedBackend(embedder=None)
    return evermemos_backend_factory(evermemos_server)


def test_twins_with_the_same_problem_never_share_a_group(backend) -> None:
    ada, twin = CustomerFactory(name="Ada Lovelace"), CustomerFactory(name="Ada Lovelace")
    twin_first = ticket_with_messages(twin, "Wi-Fi drops", [WIFI, "Update the firmware."])
    ticket_with_messages(twin, "Invoice", ["Charged twice on my invoice."])
    ticket_with_messages(ada, "Invoice", ["Charged twice on my invoice."])
    ticket_with_messages(ada, "Password", ["The password reset email never arrives."])
    current = ticket_with_messages(ada, "Wi-Fi drops", [WIFI], close=False)
    deliver_all(backend)

    assert ticket_recurring_issue(ticket=current, backend=backend) is None
    twins_own = set(twin.tickets.values_list("pk", flat=True))
    for issue in customer_recurring_issues(customer_id=twin.pk, backend=backend):
        assert set(issue.ticket_ids) <= twins_own
    assert twin_first.pk in twins_own


class _LeakyBackend(EmbeddedBackend):
    """A backend that wrongly names another customer's ticket."""

    def __init__(self, leaked: int) -> None:
        super().__init__(embedder=None)
        self.leaked = leaked

    def recurring_candidates(self, **kwargs: object) -> list[TicketMatch]:
        return [TicketMatch(ticket_id=self.leaked, score=1.0, snippet="", source=Source())]


def test_a_ticket_named_by_the_backend_is_dropped_unless_it_is_the_customers() -> None:
    ada, twin = CustomerFactory(name="Ada Lovelace"), CustomerFactory(name="Ada Lovelace")
    theirs = ticket_with_messages(twin, "Wi-Fi drops", [WIFI])
    mine = ticket_with_messages(ada, "Wi-Fi drops", [WIFI], close=False)
    other_mine = ticket_with_messages(ada, "Wi-Fi", [WIFI])

    leaky = _LeakyBackend(leaked=theirs.pk)

    assert ticket_recurring_issue(ticket=mine, backend=leaky) is None
    assert customer_recurring_issues(customer_id=ada.pk, backend=leaky) == ()
    assert other_mine.customer_id == ada.pk
