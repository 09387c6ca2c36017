"""Recurring issues keep page queries bounded, however long the customer's history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from helpdesk.memory.backends import reset_backend
from tests.factories import CustomerFactory
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db


def _customer_with(tickets: int) -> Customer:
    customer = CustomerFactory()
    for number in range(tickets):
        ticket_with_messages(customer, f"Issue {number}", [f"Problem {number} with my router"])
    return customer


def _page_queries(client: Client, customer: Customer) -> int:
    """Queries of the customer's page and of its memory panels (loaded after it)."""
    reset_backend()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/customers/{customer.pk}/").status_code == 200
        assert client.get(f"/customers/{customer.pk}/memory/").status_code == 200
    return len(queries)


def test_customer_page_queries_do_not_grow_with_history(agent_client: Client) -> None:
    small, large = _customer_with(14), _customer_with(30)
    deliver_all()

    assert _page_queries(agent_client, large) == _page_queries(agent_client, small)
