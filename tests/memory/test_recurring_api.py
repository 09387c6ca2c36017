"""Recurring issues in the context and customer memory endpoints (api.md shape, added fields)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from tests.recurring_helpers import wifi_history

pytestmark = pytest.mark.django_db


def test_context_api_lists_the_tickets_group(api_client: APIClient, ada: Customer) -> None:
    history = wifi_history(ada)

    body = api_client.get(f"/api/tickets/{history.again.pk}/context/").json()

    (issue,) = body["recurring_issues"]
    assert issue["tickets"] == [history.first.pk, history.again.pk]
    assert issue["label"]
    assert issue["count"] == 2
    assert issue["position"] == 2
    assert issue["occurrence"] == "2nd time this month"
    assert issue["first_at"] < issue["last_at"]
    assert body["recurs"] is True


def test_context_api_of_a_ticket_that_does_not_recur(api_client: APIClient, ada: Customer) -> None:
    history = wifi_history(ada)

    body = api_client.get(f"/api/tickets/{history.password.pk}/context/").json()

    assert body["recurring_issues"] == []
    assert body["recurs"] is False


def test_customer_memory_api_lists_groups(api_client: APIClient, ada: Customer) -> None:
    history = wifi_history(ada)

    body = api_client.get(f"/api/customers/{ada.pk}/memory/").json()

    (issue,) = body["recurring_issues"]
    assert issue["tickets"] == [history.first.pk, history.again.pk]
    assert issue["position"] is None
    assert issue["occurrence"] == ""
    assert body["recurring_notice"] == ""
