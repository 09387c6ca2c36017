"""Recurring issues on the embedded engine: the ticket's group and the customer's groups."""

from __future__ import annotations

import pytest

from customers.models import Customer
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.selectors.recurring import customer_recurring_issues, ticket_recurring_issue
from tests.factories import CustomerFactory
from tests.recurring_helpers import WifiHistory, wifi_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(ada: Customer) -> WifiHistory:
    return wifi_history(ada)


def test_ticket_about_an_earlier_problem_is_grouped_with_it_oldest_first(history) -> None:
    issue = ticket_recurring_issue(ticket=history.again)

    assert issue is not None
    assert issue.ticket_ids == (history.first.pk, history.again.pk)
    assert issue.position == 2
    assert issue.count == 2
    assert issue.first_at == history.first.created_at


def test_ticket_about_a_new_problem_has_no_group(history) -> None:
    assert ticket_recurring_issue(ticket=history.invoice) is None


def test_customer_groups_hold_only_tickets_about_the_same_problem(ada, history) -> None:
    issues = customer_recurring_issues(customer_id=ada.pk)

    assert [issue.ticket_ids for issue in issues] == [(history.first.pk, history.again.pk)]
    assert issues[0].position is None
    assert issues[0].occurrence == ""


def test_context_tells_whether_the_ticket_recurs(history) -> None:
    recurring = ticket_context(ticket=history.again).recurring_for_ticket

    assert recurring is not None
    assert recurring.ticket_ids == (history.first.pk, history.again.pk)
    assert ticket_context(ticket=history.password).recurring_for_ticket is None


def test_a_customer_with_one_ticket_has_no_recurring_issue() -> None:
    lone = CustomerFactory()

    assert customer_recurring_issues(customer_id=lone.pk) == ()
