"""The customer admin's data-protection actions: export as a download, erase after confirming."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from customers.models import Customer, ErasureRecord
from tests.customers.privacy_helpers import history_of
from tests.factories import UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/customers/customer/"


def staff_client(*codenames: str) -> Client:
    user = UserFactory(username="staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def run_action(client: Client, action: str, *customers: Customer, confirm: bool = False):
    data = {"action": action, "_selected_action": [c.pk for c in customers]}
    if confirm:
        data["post"] = "yes"
    return client.post(CHANGELIST, data)


def test_export_action_downloads_the_customers_json(
    superuser_client: Client, customer: Customer, agent: User
) -> None:
    history_of(customer, agent)

    response = run_action(superuser_client, "export_data", customer)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="customer-')
    data = json.loads(response.content)
    assert data["customer"]["external_id"] == "crm-4711"
    assert len(data["tickets"]) == 2


def test_export_action_wants_exactly_one_customer(
    superuser_client: Client, customer: Customer, other_customer: Customer
) -> None:
    response = run_action(superuser_client, "export_data", customer, other_customer)

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Select one customer to export."]


def test_erase_action_asks_first_and_erases_nothing(
    superuser_client: Client, customer: Customer, agent: User
) -> None:
    history_of(customer, agent)

    response = run_action(superuser_client, "erase_data", customer)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Erase these customers" in page
    assert "Ada Lovelace (crm-4711): 2 tickets, 5 messages" in page
    assert 'name="post" value="yes"' in page
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_erase_action_erases_once_confirmed(
    superuser_client: Client, customer: Customer, other_customer: Customer, agent: User
) -> None:
    history_of(customer, agent)

    response = run_action(superuser_client, "erase_data", customer, confirm=True)

    assert response.status_code == 302
    assert list(Customer.objects.all()) == [other_customer]
    assert not Ticket.objects.exists()
    record = ErasureRecord.objects.get()
    assert record.actor_name == "root"


def test_erase_action_is_offered_only_with_the_delete_permission(customer: Customer) -> None:
    viewer = staff_client("view_customer")

    page = viewer.get(CHANGELIST).content.decode()
    response = run_action(viewer, "erase_data", customer, confirm=True)

    assert 'value="export_data"' in page
    assert 'value="erase_data"' not in page
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert response.status_code == 302  # back to the list: no such action for this user


def test_staff_with_the_delete_permission_may_erase(customer: Customer) -> None:
    eraser = staff_client("view_customer", "delete_customer")

    run_action(eraser, "erase_data", customer, confirm=True)

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ErasureRecord.objects.get().actor_name == "staff"


def test_plain_delete_is_not_offered(superuser_client: Client, customer: Customer) -> None:
    page = superuser_client.get(CHANGELIST).content.decode()
    response = superuser_client.get(f"{CHANGELIST}{customer.pk}/delete/")

    assert 'value="delete_selected"' not in page
    assert response.status_code == 403


def test_erasure_records_are_listed_and_found_by_external_id(
    superuser_client: Client, customer: Customer, other_customer: Customer
) -> None:
    for erased in (customer, other_customer):
        run_action(superuser_client, "erase_data", erased, confirm=True)

    response = superuser_client.get("/admin/customers/erasurerecord/", {"q": "crm-4711"})

    assert response.status_code == 200
    assert [r.customer_pk for r in response.context["cl"].result_list] == [customer.pk]
