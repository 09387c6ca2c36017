"""Bad input is answered with 4xx, never with a 500."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from customers.models import Customer
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

TOO_BIG_FOR_BIGINT = "99999999999999999999"


def oversized_json(**fields: str) -> str:
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    return json.dumps({**fields, "body": padding})


def test_message_request_over_upload_limit_is_413(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/messages/",
        oversized_json(role="customer"),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Message.objects.exists()


def test_customer_request_over_upload_limit_is_413(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/customers/",
        oversized_json(external_id="crm-1", name="Ada"),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert not Customer.objects.exists()


def test_malformed_json_is_400(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/messages/",
        '{"role": "customer", "body": ',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/tickets/{id}/"),
        ("get", "/api/tickets/{id}/messages/"),
        ("post", "/api/tickets/{id}/messages/"),
        ("post", "/api/tickets/{id}/close/"),
        ("get", "/api/tickets/{id}/context/"),
        ("get", "/api/customers/{id}/"),
        ("get", "/api/customers/{id}/memory/"),
    ],
)
def test_api_id_too_large_for_bigint_is_404(
    api_client: APIClient, ticket: Ticket, method: str, path: str
) -> None:
    payload = {"role": "customer", "body": "Hi", "status": "closed"}

    response = getattr(api_client, method)(
        path.format(id=TOO_BIG_FOR_BIGINT), payload, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tickets/{id}/"),
        ("post", "/tickets/{id}/reply/"),
        ("post", "/tickets/{id}/update/"),
        ("post", "/tickets/{id}/take/"),
        ("get", "/customers/{id}/"),
    ],
)
def test_portal_id_too_large_for_bigint_is_404(
    agent_client: Client, ticket: Ticket, method: str, path: str
) -> None:
    payload = {"body": "Hi", "status": "open", "priority": "normal"}

    response = getattr(agent_client, method)(path.format(id=TOO_BIG_FOR_BIGINT), payload)

    assert response.status_code == 404
