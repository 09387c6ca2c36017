from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from customers.models import Customer
from tests.factories import CustomerFactory, MessageFactory, TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]


@pytest.fixture
def full_pages(customer: Customer, ticket: Ticket) -> None:
    """One more than a page of customers, tickets and messages on `ticket`."""
    CustomerFactory.create_batch(PAGE_SIZE)
    TicketFactory.create_batch(PAGE_SIZE, customer=customer)
    MessageFactory.create_batch(PAGE_SIZE + 1, ticket=ticket)


LISTS = ["/api/customers/", "/api/tickets/", "/api/tickets/{ticket}/messages/"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.usefixtures("full_pages")
def test_list_first_page_has_count_next_previous_results(
    api_client: APIClient, ticket: Ticket, path: str
) -> None:
    body = api_client.get(path.format(ticket=ticket.pk)).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == PAGE_SIZE + 1
    assert len(body["results"]) == PAGE_SIZE
    assert body["previous"] is None
    assert "page=2" in body["next"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.usefixtures("full_pages")
def test_list_last_page_holds_the_rest(api_client: APIClient, ticket: Ticket, path: str) -> None:
    body = api_client.get(path.format(ticket=ticket.pk), {"page": 2}).json()

    assert len(body["results"]) == 1
    assert body["next"] is None
    assert body["previous"] is not None


@pytest.mark.usefixtures("full_pages")
def test_list_pages_do_not_overlap(api_client: APIClient) -> None:
    first = api_client.get("/api/tickets/").json()["results"]
    second = api_client.get("/api/tickets/", {"page": 2}).json()["results"]

    ids = [t["id"] for t in first + second]
    assert len(set(ids)) == PAGE_SIZE + 1


def test_list_page_past_the_end_is_404(api_client: APIClient, ticket: Ticket) -> None:
    assert api_client.get("/api/tickets/", {"page": 5}).status_code == 404


def test_empty_list_has_pagination_shape(api_client: APIClient) -> None:
    body = api_client.get("/api/tickets/").json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}
