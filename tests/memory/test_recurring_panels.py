"""The ticket page's RECURRING panel and the customer page's recurring issues."""

from __future__ import annotations

import pytest
from django.test import Client

from customers.models import Customer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tests.recurring_helpers import dated, wifi_history

pytestmark = pytest.mark.django_db


def test_ticket_panel_says_which_time_and_links_the_earlier_ticket(
    agent_client: Client, ada: Customer
) -> None:
    history = wifi_history(ada)

    html = agent_client.get(f"/tickets/{history.again.pk}/context/").content.decode()

    assert 'id="recurring-panel"' in html
    assert "2nd time this month:" in html
    assert f'href="/tickets/{history.first.pk}/"' in html
    assert "(this ticket)" in html


def test_ticket_panel_has_an_empty_state(agent_client: Client, ada: Customer) -> None:
    history = wifi_history(ada)

    html = agent_client.get(f"/tickets/{history.invoice.pk}/context/").content.decode()

    assert "Not a problem Ada has had before" in html


def test_customer_page_lists_recurring_issues_with_links(
    agent_client: Client, ada: Customer
) -> None:
    history = wifi_history(ada)

    html = agent_client.get(f"/customers/{ada.pk}/memory/").content.decode()

    assert "Recurring issues" in html
    assert "2 tickets · since" in html
    assert f'href="/tickets/{history.first.pk}/"' in html
    assert f'href="/tickets/{history.again.pk}/"' in html
    assert f'href="/tickets/{history.invoice.pk}/"><span class="mono">' not in html


def test_customer_page_has_an_empty_state(agent_client: Client, ada: Customer) -> None:
    ticket_with_messages(ada, "Invoice", ["I was charged twice on my invoice."])
    deliver_all()

    html = agent_client.get(f"/customers/{ada.pk}/memory/").content.decode()

    assert "No problem has come back across Ada" in html


def test_panels_escape_subjects_and_labels(agent_client: Client, ada: Customer) -> None:
    body = "The <script>alert(1)</script> widget crashes when the dashboard widget loads."
    dated(ticket_with_messages(ada, "<b>Widget</b> crash", [body, "Reinstall it."]), 9)
    ticket_with_messages(ada, "Invoice", ["I was charged twice on my March invoice."])
    current = ticket_with_messages(ada, "<b>Widget</b> again", [body], close=False)
    deliver_all()

    ticket_html = agent_client.get(f"/tickets/{current.pk}/context/").content.decode()
    customer_html = agent_client.get(f"/customers/{ada.pk}/memory/").content.decode()

    for html in (ticket_html, customer_html):
        assert "&lt;b&gt;Widget&lt;/b&gt;" in html
        assert "<b>Widget" not in html
        assert "<script>alert" not in html
