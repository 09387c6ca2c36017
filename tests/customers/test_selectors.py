from __future__ import annotations

import pytest

from customers.models import Customer
from tests.factories import TicketFactory
from tickets.models import Ticket
from tickets.selectors import customer_list

pytestmark = pytest.mark.django_db


def test_customer_list_is_sorted_by_name(customer: Customer, other_customer: Customer) -> None:
    assert [c.name for c in customer_list()] == ["Ada Lovelace", "Charles Babbage"]


def test_customer_list_counts_each_customers_tickets(
    customer: Customer, other_customer: Customer, ticket: Ticket
) -> None:
    TicketFactory.create_batch(2, customer=other_customer)

    counts = {c.external_id: c.ticket_count for c in customer_list()}

    assert counts == {"crm-4711": 1, "crm-1815": 2}


def test_customer_list_last_activity_is_newest_ticket_activity(
    customer: Customer, ticket: Ticket, other_ticket: Ticket
) -> None:
    listed = customer_list().get(pk=customer.pk)

    assert listed.last_activity_at == ticket.last_message_at


@pytest.mark.parametrize("query", ["lovelace", "ADA@example", "crm-4711", "4711"])
def test_customer_list_search_finds_customer(
    customer: Customer, other_customer: Customer, query: str
) -> None:
    assert list(customer_list(query=query)) == [customer]


def test_customer_list_search_without_match_is_empty(customer: Customer) -> None:
    assert not customer_list(query="nobody at all").exists()
