"""Security headers on every page, HTTPS-only behaviour when configured, secure cookies."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from customers.models import Customer
from tests.factories import PASSWORD, MessageFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP refuses: inline scripts, style elements and attributes,
    event-handler attributes. Escaped text is text, not markup, and is not collected."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names and ("type", "application/json") not in attrs:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{name}= on <{tag}>" for name in names if name == "style"]
        self.found += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def directives(response: object) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_portal_pages_send_a_strict_content_security_policy(agent_client: Client) -> None:
    policy = directives(agent_client.get("/tickets/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_login_page_sends_frame_referrer_and_sniffing_headers(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


def test_portal_pages_hold_no_inline_script_style_or_handler(
    agent_client: Client, client: Client, ticket: Ticket, customer: Customer
) -> None:
    MessageFactory(ticket=ticket, body='<script>alert(1)</script><b style="x" onclick="y">')
    pages = [
        client.get("/accounts/login/"),
        agent_client.get("/tickets/"),
        agent_client.get(f"/tickets/{ticket.pk}/"),
        agent_client.get(f"/tickets/{ticket.pk}/context/"),
        agent_client.get(f"/tickets/{ticket.pk}/suggested-reply/"),
        agent_client.get("/customers/"),
        agent_client.get(f"/customers/{customer.pk}/"),
        agent_client.get("/no-such-page/"),
    ]

    found = {
        response.request["PATH_INFO"]: inline_code(response.content.decode()) for response in pages
    }

    assert all(response.status_code in {200, 404} for response in pages)
    assert found == {path: [] for path in found}


def test_inline_code_finder_sees_markup_but_not_escaped_text() -> None:
    html = '<p>&lt;b style="x"&gt;</p><b style="x" onclick="y"></b><script>1</script>'

    assert sorted(inline_code(html)) == ["<script> without src", "onclick= on <b>", "style= on <b>"]


def test_api_html_pages_may_use_inline_styles_but_only_our_scripts(api_client: Client) -> None:
    policy = directives(api_client.get("/api/docs/"))

    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def test_api_json_answers_keep_the_strict_policy(api_client: Client) -> None:
    policy = directives(api_client.get("/api/tickets/", HTTP_ACCEPT="application/json"))

    assert policy["style-src"] == ["'self'"]


def test_https_answers_carry_hsts_when_configured(client: Client, settings: Settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/accounts/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_plain_http_is_redirected_to_https_when_configured(
    client: Client, settings: Settings
) -> None:
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/accounts/login/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_health_answers_plain_http_despite_the_redirect(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/api/health/")

    assert response.status_code == 200


def test_proxy_header_marks_a_request_as_https(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    forwarded = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http")

    assert forwarded.status_code == 200
    assert plain.status_code == 301


def test_session_and_csrf_cookies_are_secure_when_configured(
    client: Client, agent: User, settings: Settings
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True

    login_page = client.get("/accounts/login/", secure=True)
    logged_in = client.post(
        "/accounts/login/", {"username": agent.username, "password": PASSWORD}, secure=True
    )

    assert login_page.cookies["csrftoken"]["secure"] is True
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
