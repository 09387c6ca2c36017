"""Who may call which endpoint: 401 without credentials, 403 when not allowed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, resolve
from pytest_django.fixtures import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.api import urls as api_urls
from helpdesk.channels.models import Attachment
from tests.conftest import token_client
from tests.factories import AgentFactory, MessageFactory, UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Every endpoint of helpdesk/api/urls.py with each method it answers, except health
# (public by design) and the schema and docs (any authenticated user).
READS = [
    "/api/",
    "/api/customers/",
    "/api/customers/{customer}/",
    "/api/customers/{customer}/memory/",
    "/api/tickets/",
    "/api/tickets/{ticket}/",
    "/api/tickets/{ticket}/context/",
    "/api/tickets/{ticket}/messages/",
    "/api/attachments/{attachment}/",
    "/api/macros/",
]
WRITES = [
    ("post", "/api/customers/"),
    ("patch", "/api/customers/{customer}/"),
    ("post", "/api/tickets/"),
    ("patch", "/api/tickets/{ticket}/"),
    ("post", "/api/tickets/{ticket}/close/"),
    ("post", "/api/tickets/{ticket}/suggested-reply/"),
    ("post", "/api/tickets/{ticket}/bot-reply/"),
    ("post", "/api/tickets/{ticket}/escalate/"),
    ("post", "/api/tickets/{ticket}/messages/"),
    ("post", "/api/inbound/email/"),
    ("post", "/api/messages/batch/"),
]
ENDPOINTS = [("get", path) for path in READS] + WRITES
DOCUMENTATION = ["/api/schema/", "/api/docs/"]
PUBLIC = ["/api/health/"]
# The chat widget's: a website visitor's token, never agent credentials (test_widget_api.py).
VISITOR = ["/api/widget/session/", "/api/widget/messages/"]


def fill(path: str, ticket: Ticket, customer: Customer, attachment: int = 1) -> str:
    return path.format(ticket=ticket.pk, customer=customer.pk, attachment=attachment)


def call(client: APIClient, method: str, path: str) -> int:
    return getattr(client, method)(path, {}, format="json").status_code


def _route_names(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _route_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name


def test_endpoint_lists_cover_every_api_route() -> None:
    paths = [path for _, path in ENDPOINTS] + DOCUMENTATION + PUBLIC + VISITOR
    covered = {resolve(path.format(ticket=1, customer=1, attachment=1)).url_name for path in paths}

    assert set(_route_names(api_urls.urlpatterns)) == covered


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_agents_token_is_no_visitor_token(agent: User, method: str) -> None:
    response = getattr(token_client(agent), method)("/api/widget/messages/", {}, format="json")

    assert response.status_code in {401, 403}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_endpoint_without_credentials_is_401(
    anonymous_api_client: APIClient, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    response = getattr(anonymous_api_client, method)(fill(path, ticket, customer), {})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("path", DOCUMENTATION)
def test_documentation_without_credentials_is_refused(
    anonymous_api_client: APIClient, path: str
) -> None:
    assert anonymous_api_client.get(path).status_code in {401, 403}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_endpoint_with_unknown_token_is_401(
    ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert call(client, method, fill(path, ticket, customer)) == 401


def test_unknown_token_is_refused_with_invalid_token(agent: User) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get("/api/tickets/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_token_key_matches_exactly(agent: User) -> None:
    key = Token.objects.create(user=agent).key

    for near in (key.upper(), key[:-1], f"{key[:10]}%"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {near}")
        assert client.get("/api/tickets/").status_code == 401, near


def test_endpoint_with_token_of_inactive_agent_is_401(ticket: Ticket) -> None:
    client = token_client(AgentFactory(is_active=False))

    response = client.get("/api/tickets/")

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_agent_deactivated_is_refused_on_the_next_request(agent: User) -> None:
    client = token_client(agent)
    assert client.get("/api/tickets/").status_code == 200

    agent.is_active = False
    agent.save()

    assert client.get("/api/tickets/").status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_endpoint_for_authenticated_non_agent_is_403(
    non_agent_api_client: APIClient, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    assert call(non_agent_api_client, method, fill(path, ticket, customer)) == 403


def test_non_agent_is_refused_before_anything_is_written(
    non_agent_api_client: APIClient, customer: Customer
) -> None:
    non_agent_api_client.post(
        "/api/tickets/", {"customer": customer.pk, "subject": "Hi"}, format="json"
    )

    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_write_for_agent_without_write_permission_is_403(
    readonly_api_client: APIClient, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    assert call(readonly_api_client, method, fill(path, ticket, customer)) == 403


@pytest.fixture
def attachment(ticket: Ticket, settings: Settings, tmp_path: Path) -> Attachment:
    settings.MEDIA_ROOT = str(tmp_path)
    file = Attachment(
        message=MessageFactory(ticket=ticket), filename="a.txt", content_type="text/plain", size=2
    )
    file.file.save("a.txt", ContentFile(b"hi"), save=False)
    file.save()
    return file


@pytest.mark.parametrize("path", READS)
def test_read_for_agent_without_write_permission_is_allowed(
    readonly_api_client: APIClient,
    ticket: Ticket,
    customer: Customer,
    attachment: Attachment,
    path: str,
) -> None:
    url = fill(path, ticket, customer, attachment.pk)

    assert call(readonly_api_client, "get", url) in {200, 501}


def test_patch_customer_without_change_permission_is_403(customer: Customer) -> None:
    clerk = UserFactory()
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_ticket", "add_customer"])
    )
    client = token_client(clerk)

    response = client.patch(f"/api/customers/{customer.pk}/", {"name": "X"}, format="json")

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace"


def test_write_permission_taken_away_applies_to_the_next_request(
    agent: User, ticket: Ticket
) -> None:
    client = token_client(agent)
    path = f"/api/tickets/{ticket.pk}/messages/"
    body = {"role": "customer", "body": "Still broken."}
    assert client.post(path, body, format="json").status_code == 201

    agent.groups.clear()
    agent.user_permissions.add(Permission.objects.get(codename="view_ticket"))

    assert client.post(path, body, format="json").status_code == 403


def test_superuser_token_is_allowed(superuser: User) -> None:
    assert token_client(superuser).get("/api/tickets/").status_code == 200


def test_session_login_reads_without_token(agent: User, ticket: Ticket) -> None:
    client = APIClient()
    client.force_login(agent)

    assert client.get(f"/api/tickets/{ticket.pk}/").status_code == 200


def test_session_write_without_csrf_token_is_403(agent: User, customer: Customer) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(
        "/api/tickets/", {"customer": customer.pk, "subject": "Hi"}, format="json"
    )

    assert response.status_code == 403
    assert not Ticket.objects.exists()
