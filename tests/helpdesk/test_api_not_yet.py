"""Endpoints whose part of the product has not landed: 501 for a real object, 404 otherwise."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOT_YET = [
    ("post", "/api/tickets/{ticket}/suggested-reply/"),
    ("post", "/api/tickets/{ticket}/bot-reply/"),
    ("post", "/api/tickets/{ticket}/escalate/"),
]


@pytest.mark.parametrize(("method", "path"), NOT_YET)
def test_not_yet_endpoint_for_existing_object_is_501(
    api_client: APIClient, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    response = getattr(api_client, method)(
        path.format(ticket=ticket.pk, customer=customer.pk), {}, format="json"
    )

    assert response.status_code == 501
    assert "not available yet" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), NOT_YET)
def test_not_yet_endpoint_for_missing_object_is_404(
    api_client: APIClient, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    missing = path.format(ticket=ticket.pk + 1000, customer=customer.pk + 1000)

    response = getattr(api_client, method)(missing, {}, format="json")

    assert response.status_code == 404
