"""Bad input is answered with 4xx, never with a 500."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.api.errors import server_error
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
    "path", ["/api/tickets/", "/api/customers/", "/api/tickets/{id}/messages/"]
)
def test_json_nested_too_deep_for_the_decoder_is_400(
    api_client: APIClient, ticket: Ticket, path: str
) -> None:
    depth = 100_000

    response = api_client.post(
        path.format(id=ticket.pk), "[" * depth + "]" * depth, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_ticket_customer_id_overflowing_a_float_is_400(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.post(
        "/api/tickets/", '{"customer": 1e400, "subject": "Login"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert "does not exist" in response.json()["customer"][0]
    assert not Ticket.objects.exists()


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


def test_time_with_offset_beyond_postgres_range_is_stored_in_utc(api_client: APIClient) -> None:
    # Found by the schema fuzzer: PostgreSQL refuses offsets past ±15:59 with a 500.
    response = api_client.post(
        "/api/customers/",
        {"external_id": "crm-1", "name": "Ada", "created_at": "2024-05-08T13:56:00-19:52"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["created_at"] == "2024-05-09T09:48:00Z"


def test_time_outside_the_calendar_in_utc_is_400(api_client: APIClient, ticket: Ticket) -> None:
    response = api_client.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"role": "customer", "body": "Hi", "created_at": "0001-01-01T00:00:00+05:00"},
        format="json",
    )

    assert response.status_code == 400
    assert "created_at" in response.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/tickets/1.5/", "/api/tickets/-1/messages/", "/api/customers/x.y/memory/"]
)
def test_api_path_matching_no_route_is_json_404(api_client: APIClient, path: str) -> None:
    # Found by the schema fuzzer: these fell through to the portal's HTML 404 page.
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_portal_path_matching_no_route_is_still_html_404(agent_client: Client) -> None:
    response = agent_client.get("/tickets/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/api/customers/", {"external_id": "crm-1", "name": "Ada\x00"}),
        ("post", "/api/tickets/{id}/messages/", {"role": "customer", "body": "Hi\x00"}),
        ("post", "/api/tickets/{id}/escalate/", {"reason": "Help\x00"}),
        ("get", "/api/tickets/", {"q": "Router\x00"}),
        ("get", "/api/customers/", {"q": "Ada\x00"}),
        ("get", "/api/tickets/{id}/context/", {"query": "router\x00"}),
    ],
)
def test_api_text_with_a_nul_character_is_400(
    api_client: APIClient, ticket: Ticket, method: str, path: str, data: dict[str, str]
) -> None:
    # PostgreSQL refuses NUL in text: it must be stopped before the database.
    path = path.format(id=ticket.pk)
    if method == "get":
        response = api_client.get(path, data)
    else:
        response = api_client.post(path, data, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(("path", "query", "found"), [
    ("/tickets/", "Router\x00", "Router keeps dropping"),
    ("/customers/", "Ada\x00", "Ada Lovelace"),
])  # fmt: skip
def test_portal_search_with_a_nul_character_searches_without_it(
    agent_client: Client, ticket: Ticket, path: str, query: str, found: str
) -> None:
    # Was a 500 on PostgreSQL, which refuses NUL in text parameters.
    response = agent_client.get(path, {"q": query})

    assert response.status_code == 200
    assert found in response.content.decode()


def test_api_crash_is_answered_as_json_and_the_portals_as_a_page(rf: RequestFactory) -> None:
    api = server_error(rf.get("/api/tickets/"))
    portal = server_error(rf.get("/tickets/"))

    assert api.status_code == portal.status_code == 500
    assert json.loads(api.content) == {"detail": "Internal error; it has been logged."}
    assert portal["Content-Type"].startswith("text/html")
