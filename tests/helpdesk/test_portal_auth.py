"""The portal is for agents: anonymous users log in first, other users get 403."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve, reverse

from customers.models import Customer
from helpdesk.portal.urls import customer_patterns, ticket_patterns
from tests.factories import PASSWORD
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/"),
    ("get", "/tickets/"),
    ("get", "/tickets/{ticket}/"),
    ("post", "/tickets/{ticket}/reply/"),
    ("post", "/tickets/{ticket}/update/"),
    ("post", "/tickets/{ticket}/take/"),
    ("get", "/tickets/{ticket}/context/"),
    ("post", "/tickets/{ticket}/escalate/"),
    ("get", "/tickets/{ticket}/suggested-reply/"),
    ("get", "/customers/"),
    ("get", "/customers/{customer}/"),
    ("get", "/customers/{customer}/memory/"),
    ("post", "/customers/{customer}/memories/delete/"),
    ("post", "/customers/{customer}/memories/correct/"),
]
FORM = {
    "body": "Hello",
    "status": "closed",
    "priority": "urgent",
    "then_status": "",
    "memory_id": "1",
    "text": "Has a router",
    "reason": "Needs a person",
}


def fill(path: str, ticket: Ticket, customer: Customer) -> str:
    return path.format(ticket=ticket.pk, customer=customer.pk)


def call(client: Client, method: str, url: str) -> HttpResponse:
    return client.post(url, FORM) if method == "post" else client.get(url)


def _route_names(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _route_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name


def test_page_list_covers_every_portal_route() -> None:
    covered = {
        resolve(path.format(ticket=1, customer=1)).view_name for _, path in PAGES if path != "/"
    }
    routes = {f"tickets:{name}" for name in _route_names(ticket_patterns)} | {
        f"customers:{name}" for name in _route_names(customer_patterns)
    }

    assert covered == routes


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_page_for_anonymous_user_redirects_to_login(
    client: Client, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    url = fill(path, ticket, customer)

    response = call(client, method, url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [url]


@pytest.mark.parametrize(("method", "path"), [page for page in PAGES if page[0] == "post"])
def test_post_by_anonymous_user_changes_nothing(
    client: Client, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    client.post(fill(path, ticket, customer), FORM)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assigned_to) == ("open", "normal", None)
    assert not Message.objects.exists()
    assert not TicketEvent.objects.exists()


@pytest.mark.parametrize(("method", "path"), [page for page in PAGES if page[1] != "/"])
def test_page_for_logged_in_non_agent_is_403(
    non_agent_client: Client, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    response = call(non_agent_client, method, fill(path, ticket, customer))

    assert response.status_code == 403
    assert "Agents group" in response.content.decode()


@pytest.mark.parametrize(("method", "path"), [page for page in PAGES if page[0] == "post"])
def test_post_by_non_agent_changes_nothing(
    non_agent_client: Client, ticket: Ticket, customer: Customer, method: str, path: str
) -> None:
    non_agent_client.post(fill(path, ticket, customer), FORM)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assigned_to) == ("open", "normal", None)
    assert not Message.objects.exists()


def test_home_for_agent_redirects_to_queue(agent_client: Client) -> None:
    response = agent_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:queue")


def test_login_page_renders(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "Log in to the helpdesk" in response.content.decode()


def test_login_with_right_password_goes_to_queue(client: Client, agent: User) -> None:
    response = client.post(reverse("login"), {"username": "maria", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:queue")
    assert client.get(reverse("tickets:queue")).status_code == 200


def test_login_follows_next(client: Client, agent: User, ticket: Ticket) -> None:
    next_url = f"/tickets/{ticket.pk}/"

    response = client.post(
        reverse("login"), {"username": "maria", "password": PASSWORD, "next": next_url}
    )

    assert response["Location"] == next_url


def test_login_refuses_offsite_next(client: Client, agent: User) -> None:
    response = client.post(
        reverse("login"),
        {"username": "maria", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("tickets:queue")


def test_login_with_wrong_password_shows_error(client: Client, agent: User) -> None:
    response = client.post(reverse("login"), {"username": "maria", "password": "wrong"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get(reverse("tickets:queue")).status_code == 302


def test_logout_by_get_is_refused(agent_client: Client) -> None:
    response = agent_client.get(reverse("logout"))

    assert response.status_code == 405
    assert agent_client.get(reverse("tickets:queue")).status_code == 200


def test_logout_by_post_ends_session(agent_client: Client) -> None:
    response = agent_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert agent_client.get(reverse("tickets:queue")).status_code == 302


def test_pages_offer_logout_as_post_form(agent_client: Client) -> None:
    html = agent_client.get(reverse("tickets:queue")).content.decode()

    assert f'<form method="post" action="{reverse("logout")}">' in html
