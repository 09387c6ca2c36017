"""The ticket page and what it loads after itself make a fixed number of queries,
however long the customer's history (issue: scale; architecture: "queries do not grow")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from helpdesk.memory.backends import reset_backend
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

PARTS = ["/tickets/{pk}/", "/tickets/{pk}/context/", "/tickets/{pk}/suggested-reply/"]


def _history(past_tickets: int) -> Ticket:
    customer = CustomerFactory()
    for number in range(past_tickets):
        ticket_with_messages(
            customer,
            f"Router issue {number}",
            [f"My router drops the wifi, case {number}.", "Please update the firmware to 7.57."],
        )
    return ticket_with_messages(
        customer, "Router again", ["My router drops the wifi again."], close=False
    )


def _queries(client: Client, ticket: Ticket) -> dict[str, int]:
    counts = {}
    for part in PARTS:
        reset_backend()  # cold caches: everything is read from the database
        with CaptureQueriesContext(connection) as queries:
            assert client.get(part.format(pk=ticket.pk)).status_code == 200
        counts[part] = len(queries)
    return counts


def test_ticket_page_and_its_panels_do_not_grow_with_a_tenfold_history(
    agent_client: Client,
) -> None:
    small, large = _history(3), _history(30)
    deliver_all()

    assert _queries(agent_client, large) == _queries(agent_client, small)


def test_ticket_page_itself_stays_within_fifteen_queries(agent_client: Client) -> None:
    ticket = _history(5)
    deliver_all()

    counts = _queries(agent_client, ticket)

    assert counts["/tickets/{pk}/"] <= 15, counts
