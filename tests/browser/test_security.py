"""The Content-Security-Policy in a real browser: pages beyond the portal run under it cleanly,
and a brute-forced login ends on the lockout page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PageProblems, Portal
from tests.factories import PASSWORD, SuperuserFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRICT_SCRIPTS = "script-src 'self'"


def test_admin_and_api_pages_run_under_the_policy_without_errors(
    portal: Portal, problems: PageProblems
) -> None:
    admin = SuperuserFactory(username="root")
    ticket = TicketFactory(subject="Router keeps dropping")
    page = portal.page

    portal.goto("/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Tickets, customers and agents")).to_be_visible()
    for path in ["/admin/tickets/ticket/", f"/admin/tickets/ticket/{ticket.pk}/change/"]:
        response = page.goto(portal.base_url + path, wait_until="load")
        assert response is not None
        assert STRICT_SCRIPTS in response.headers["content-security-policy"]
    expect(page.locator("#ticket_form")).to_be_visible()

    response = page.goto(portal.base_url + "/api/docs/", wait_until="load")
    assert response is not None
    assert STRICT_SCRIPTS in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .title")).to_contain_text("Helpdesk API")
    page.goto(portal.base_url + "/api/tickets/", wait_until="load")
    expect(page.locator(".response-info")).to_contain_text(ticket.reference)

    # Neither the admin nor the browsable API names an icon: the browser's guess is not our error.
    problems.console_errors = [e for e in problems.console_errors if "/favicon.ico" not in e]
    problems.assert_none()


def test_repeated_wrong_passwords_end_on_the_lockout_page(
    portal: Portal, problems: PageProblems
) -> None:
    agent = SuperuserFactory(username="maria")
    page = portal.page
    portal.goto("/accounts/login/")

    for _ in range(5):
        page.get_by_label("Username").fill(agent.username)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("domcontentloaded")

    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    violations = [error for error in problems.console_errors if "Content Security" in error]
    assert violations == []
