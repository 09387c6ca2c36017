"""Recurring issues through the EverMemOS backend, against the loopback server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from customers.models import Customer
from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.selectors.recurring import ticket_recurring_issue
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(
    evermemos_server: EverMemOSServer, evermemos_backend_factory: Callable[..., EverMemOSBackend]
) -> EverMemOSBackend:
    return evermemos_backend_factory(evermemos_server)


def test_evermemos_groups_the_ticket_with_the_past_ticket_that_stands_out(
    backend: EverMemOSBackend, ada: Customer
) -> None:
    printer = ticket_with_messages(ada, "Printer", ["My printer shows offline after the update."])
    ticket_with_messages(ada, "Invoice", ["The invoice lists a wrong address."])
    current = ticket_with_messages(
        ada, "Printer again", ["Printer offline after the update again"], close=False
    )
    deliver_all(backend)

    issue = ticket_recurring_issue(ticket=current, backend=backend)

    assert issue is not None
    assert issue.ticket_ids == (printer.pk, current.pk)
    assert issue.occurrence == "2nd time this week"


def test_evermemos_groups_nothing_when_no_past_ticket_stands_out(
    backend: EverMemOSBackend, ada: Customer
) -> None:
    ticket_with_messages(ada, "Printer", ["My printer shows offline."])
    ticket_with_messages(ada, "Printer paper", ["My printer needs paper."])
    current = ticket_with_messages(ada, "Printer", ["Printer question"], close=False)
    deliver_all(backend)

    assert ticket_recurring_issue(ticket=current, backend=backend) is None
