"""The chat widget in a real browser, embedded by a page on another origin with a strict
Content-Security-Policy: a visitor chats with the bot, asks for a person, an agent answers
in the portal, and the answer appears in the widget; a reload keeps the conversation."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from helpdesk.channels.models import WidgetSite
from tests.browser.pages import PageProblems, Portal, TicketPage
from tests.factories import PASSWORD, AgentFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 10_000


class HostSite:
    """A shop's website on its own origin (127.0.0.1 and a port of its own), embedding the
    widget with one script tag, under a strict policy: scripts, styles and calls only from
    the helpdesk, nothing inline."""

    def __init__(self, helpdesk: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.origin = f"http://127.0.0.1:{self.port}"
        self.helpdesk = helpdesk
        self.site_key = ""
        self._server: ThreadingHTTPServer | None = None

    def page_html(self) -> bytes:
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
            "</head><body><h1>Garden shop</h1><p>Welcome to our shop.</p>"
            f"<script src='{self.helpdesk}/widget.js' data-site='{self.site_key}' defer>"
            "</script></body></html>"
        ).encode()

    def start(self) -> None:
        site = self
        policy = (
            f"default-src 'none'; script-src {self.helpdesk}; style-src {self.helpdesk}; "
            f"connect-src {self.helpdesk}"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page_html()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def shop(live_server: LiveServer) -> Iterator[HostSite]:
    host = HostSite(live_server.url)
    host.site_key = WidgetSite.objects.create(name="Garden shop", origins=host.origin).key
    host.start()
    yield host
    host.stop()


@pytest.fixture
def visitor(context: BrowserContext) -> Page:
    return context.new_page()


def test_a_visitor_chats_with_the_bot_and_an_agent_answers_in_the_widget(
    shop: HostSite,
    visitor: Page,
    portal: Portal,
    problems: PageProblems,
) -> None:
    agent = AgentFactory(username="maria", first_name="Maria")
    seen = PageProblems.watch(visitor)
    visitor.goto(shop.origin, wait_until="domcontentloaded")

    visitor.get_by_role("button", name="Chat with us").click()
    chat = visitor.get_by_role("dialog", name="Chat with us")
    expect(chat).to_be_visible()
    box = chat.get_by_label("Your message")
    expect(box).to_be_focused()
    box.fill("How do I reset my router password?")
    box.press("Enter")
    log = chat.get_by_role("log", name="Conversation")
    expect(log.locator(".message.customer")).to_have_count(1)
    expect(log.locator(".message.bot")).to_have_count(1, timeout=WAIT_MS)

    box.fill("I want to talk to a person, please.")
    chat.get_by_role("button", name="Send").click()
    expect(log.locator(".message.bot")).to_have_count(2, timeout=WAIT_MS)
    expect(chat).to_contain_text("A person from our team is on it.")
    ticket = Ticket.objects.get()
    assert ticket.assigned_to == agent

    queue = portal.log_in(username="maria", password=PASSWORD)
    page = queue.open_by_click(ticket.reference)
    page.wait_for_memory()
    page.send_reply("Hi, Maria here: I have reset it for you.")
    TicketPage.opened(portal, ticket.reference)

    answer = log.locator(".message.agent")
    expect(answer).to_contain_text("Hi, Maria here: I have reset it for you.", timeout=WAIT_MS)
    expect(answer.locator(".who")).to_have_text("Maria")
    if portal.screenshot_dir is not None:
        visitor.screenshot(path=portal.screenshot_dir / "widget.png", animations="disabled")

    visitor.reload(wait_until="domcontentloaded")
    visitor.get_by_role("button", name="Chat with us").click()
    expect(log.locator(".message")).to_have_count(5, timeout=WAIT_MS)
    chat.get_by_role("button", name="Close the chat").click()
    expect(chat).to_be_hidden()
    expect(visitor.get_by_role("button", name="Chat with us")).to_be_focused()

    seen.assert_none()  # a CSP violation would show as a console error
    problems.assert_none()
