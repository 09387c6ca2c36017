from __future__ import annotations

import pytest
from django.test import Client

from customers.models import Customer
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_customer_changelist_renders_with_ticket_count(
    superuser_client: Client, customer: Customer, other_customer: Customer
) -> None:
    TicketFactory.create_batch(2, customer=customer)

    response = superuser_client.get("/admin/customers/customer/")

    assert response.status_code == 200
    counts = {c.name: c.ticket_total for c in response.context["cl"].result_list}
    assert counts == {"Ada Lovelace": 2, "Charles Babbage": 0}


def test_customer_changelist_search_finds_by_external_id(
    superuser_client: Client, customer: Customer, other_customer: Customer
) -> None:
    response = superuser_client.get("/admin/customers/customer/", {"q": "crm-1815"})

    assert list(response.context["cl"].result_list) == [other_customer]


def test_customer_change_page_renders(superuser_client: Client, customer: Customer) -> None:
    response = superuser_client.get(f"/admin/customers/customer/{customer.pk}/change/")

    assert response.status_code == 200
    assert "crm-4711" in response.content.decode()


def test_customer_admin_refuses_agents_without_staff_status(
    agent_client: Client, customer: Customer
) -> None:
    response = agent_client.get("/admin/customers/customer/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
