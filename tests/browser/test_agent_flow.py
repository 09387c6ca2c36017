"""An agent's day in a real browser: log in, work the queue, read what we know, reply.

With SCREENSHOT_DIR set (`make screenshots`) the flow also saves the README's screenshots.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.histories import IMAGE, SCRIPT, ada_with_history, hostile_history
from tests.browser.pages import PHONE, PageProblems, Portal, TicketPage
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_opens_a_ticket_reads_its_memory_and_replies(
    portal: Portal, problems: PageProblems
) -> None:
    history = ada_with_history()
    ticket = history.open_ticket
    past = history.related_past_ticket

    queue = portal.log_in(username=history.agent.username, password=PASSWORD)
    expect(queue.row(ticket.reference)).to_contain_text(ticket.subject)
    expect(queue.row(past.reference)).to_have_count(0)  # resolved: not in the open queue
    portal.screenshot("queue.png")

    page = queue.open_by_click(ticket.reference)
    page.wait_for_memory()
    portal.goto("/tickets/")
    page = queue.open_by_keyboard(ticket.reference)
    page.wait_for_memory()

    expect(page.profile_panel).to_contain_text("Fritzbox 7590")
    expect(page.profile_panel).to_contain_text("Prefers e-mail")  # a typed fact, not the sentence
    related = page.related_ticket_link(past.reference)
    expect(related).to_contain_text(past.subject)
    expect(related).to_have_attribute("href", re.compile(rf"^/tickets/{past.pk}/#message-\d+$"))
    portal.screenshot("ticket.png", full_page=True)

    related.click()
    TicketPage.opened(portal, past.reference).wait_for_memory()
    portal.page.go_back(wait_until="domcontentloaded")
    page = TicketPage.opened(portal, ticket.reference)
    page.wait_for_memory()

    page.open_shortcuts_by_key()
    page.close_shortcuts()

    expect(page.suggested_reply_panel).to_contain_text("Hi Ada,")
    expect(page.suggested_reply_panel).to_contain_text(past.reference)  # what worked then
    draft = page.insert_suggestion()
    assert draft.startswith("Hi Ada,")
    assert draft.rstrip().endswith("Maria")
    page.send_reply()
    expect(page.flash).to_contain_text(f"Reply added to {ticket.reference}")  # a chat ticket
    expect(page.messages.last).to_contain_text("Hi Ada,")
    expect(page.messages.last).to_contain_text("Maria")
    expect(page.suggested_reply_panel).to_contain_text("Waiting for the customer's reply")
    expect(page.suggested_reply_panel.locator("[data-draft]")).to_have_count(0)

    page.escalate_by_key(reason="Firmware keeps reverting; needs a technician", to="tom")
    expect(page.handoff_panel).to_contain_text("Escalated to tom")
    portal.log_out()
    queue = portal.log_in(username=history.colleague.username, password=PASSWORD)
    page = queue.open_by_click(ticket.reference)
    page.wait_for_memory()
    expect(page.handoff_panel).to_contain_text("for you")
    expect(page.handoff_panel).to_contain_text("Firmware keeps reverting")
    expect(page.handoff_panel.locator("dd").first).to_contain_text(ticket.subject)
    expect(page.handoff_panel).to_contain_text(past.reference)  # relevant history
    expect(page.handoff_panel).not_to_contain_text(history.customer.email)
    portal.screenshot("handoff.png", full_page=True)

    customer = page.open_customer(history.customer.name)
    expect(customer.profile_panel).to_contain_text("Fritzbox 7590")
    expect(customer.tickets).to_have_count(4)
    portal.screenshot("customer.png")

    problems.assert_none()


def test_hostile_customer_text_shows_as_text_and_never_runs(
    portal: Portal, problems: PageProblems
) -> None:
    history = hostile_history()
    ticket = history.open_ticket

    queue = portal.log_in(username=history.agent.username, password=PASSWORD)
    expect(queue.row(ticket.reference)).to_contain_text(f"Router page again {IMAGE}")
    expect(queue.row(ticket.reference)).to_contain_text(history.customer.name)
    page = queue.open_by_click(ticket.reference)
    page.wait_for_memory()

    expect(page.title).to_contain_text(IMAGE)
    expect(page.messages.first).to_contain_text(f"shows {SCRIPT} and {IMAGE} again.")
    assert "again.\nSecond line." in page.messages.first.locator(".message-body").inner_text()
    expect(page.past_tickets_panel).to_contain_text(SCRIPT)  # swapped in by htmx
    expect(portal.page.locator("main img, main script")).to_have_count(0)
    customer = page.open_customer(history.customer.name)
    expect(customer.heading).to_contain_text(IMAGE)

    assert portal.page.evaluate("window.__pwned") is None
    problems.assert_none()


def test_pages_fit_a_phone_screen(portal: Portal, problems: PageProblems) -> None:
    history = ada_with_history()
    portal.page.set_viewport_size(PHONE)

    queue = portal.log_in(username=history.agent.username, password=PASSWORD)
    assert not portal.has_horizontal_overflow()
    page = queue.open_by_click(history.open_ticket.reference)
    page.wait_for_memory()
    assert not portal.has_horizontal_overflow()
    page.open_customer(history.customer.name)
    assert not portal.has_horizontal_overflow()

    problems.assert_none()
