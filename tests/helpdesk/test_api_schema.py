from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_is_served_to_agents(api_client: APIClient) -> None:
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/tickets/{ticket_pk}/messages/" in schema["paths"]


def test_schema_documents_every_contract_path(api_client: APIClient) -> None:
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert {
        "/api/customers/",
        "/api/customers/{id}/",
        "/api/customers/{id}/memory/",
        "/api/tickets/",
        "/api/tickets/{id}/close/",
        "/api/tickets/{id}/context/",
        "/api/tickets/{id}/suggested-reply/",
        "/api/tickets/{id}/bot-reply/",
        "/api/tickets/{id}/escalate/",
        "/api/health/",
    } <= set(paths)


def test_schema_declares_token_authentication(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_schema_generates_without_warnings(tmp_path: object) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", f"{tmp_path}/s.yaml")


def test_docs_page_renders_for_agents(api_client: APIClient) -> None:
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert '<script src="/api/docs/?script=">' in html  # its setup is a file, not inline


def test_docs_page_script_points_swagger_at_the_schema(api_client: APIClient) -> None:
    response = api_client.get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
