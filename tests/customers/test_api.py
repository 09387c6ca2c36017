from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ADA = {
    "external_id": "crm-4711",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
}


def test_create_customer_returns_201_with_id(api_client: APIClient) -> None:
    response = api_client.post("/api/customers/", ADA, format="json")

    assert response.status_code == 201
    body = response.json()
    stored = Customer.objects.get(pk=body["id"])
    assert (stored.external_id, stored.name, stored.email, stored.phone) == tuple(ADA.values())


def test_create_customer_with_only_required_fields(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/customers/", {"external_id": "crm-1", "name": "Ada"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["email"] == ""


def test_create_customer_duplicate_external_id_is_409_with_existing_id(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.post("/api/customers/", ADA, format="json")

    assert response.status_code == 409
    assert response.json()["id"] == customer.pk
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", ""),
        ("name", ""),
        ("email", "not-an-email"),
        ("phone", "call me maybe"),
        ("external_id", "x" * 129),
    ],
)
def test_create_customer_invalid_field_is_400_naming_field(
    api_client: APIClient, field: str, value: str
) -> None:
    response = api_client.post("/api/customers/", {**ADA, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists()


def test_create_customer_missing_name_is_400(api_client: APIClient) -> None:
    response = api_client.post("/api/customers/", {"external_id": "crm-1"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_get_customer_returns_record(api_client: APIClient, customer: Customer) -> None:
    response = api_client.get(f"/api/customers/{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["external_id"] == "crm-4711"
    assert response.json()["name"] == "Ada Lovelace"


def test_get_unknown_customer_is_404(api_client: APIClient, customer: Customer) -> None:
    response = api_client.get(f"/api/customers/{customer.pk + 1000}/")

    assert response.status_code == 404


def test_list_customers_returns_all(
    api_client: APIClient, customer: Customer, other_customer: Customer
) -> None:
    response = api_client.get("/api/customers/")

    assert response.status_code == 200
    assert {c["external_id"] for c in response.json()["results"]} == {"crm-4711", "crm-1815"}


def test_list_customers_filtered_by_external_id_finds_one(
    api_client: APIClient, customer: Customer, other_customer: Customer
) -> None:
    response = api_client.get("/api/customers/", {"external_id": "crm-1815"})

    results = response.json()["results"]
    assert [c["id"] for c in results] == [other_customer.pk]


def test_list_customers_filter_by_external_id_is_exact(
    api_client: APIClient, customer: Customer
) -> None:
    CustomerFactory(external_id="crm-47110")

    response = api_client.get("/api/customers/", {"external_id": "crm-4711"})

    assert response.json()["count"] == 1


def test_list_customers_filter_by_unknown_external_id_is_empty(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.get("/api/customers/", {"external_id": "crm-0"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_list_customers_search_q_matches_name(
    api_client: APIClient, customer: Customer, other_customer: Customer
) -> None:
    response = api_client.get("/api/customers/", {"q": "babbage"})

    assert [c["id"] for c in response.json()["results"]] == [other_customer.pk]


def test_patch_customer_updates_contact(api_client: APIClient, customer: Customer) -> None:
    response = api_client.patch(
        f"/api/customers/{customer.pk}/", {"email": "ada@new.example"}, format="json"
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "ada@new.example"


def test_patch_customer_cannot_change_external_id(
    api_client: APIClient, customer: Customer
) -> None:
    api_client.patch(f"/api/customers/{customer.pk}/", {"external_id": "crm-0"}, format="json")

    customer.refresh_from_db()
    assert customer.external_id == "crm-4711"


def test_create_customer_takes_an_import_date_with_a_time_zone(api_client) -> None:
    response = api_client.post(
        "/api/customers/",
        {"external_id": "old-1", "name": "Ada", "created_at": "2019-03-01T10:00:00+00:00"},
        format="json",
    )
    naive = api_client.post(
        "/api/customers/",
        {"external_id": "old-2", "name": "Ada", "created_at": "2019-03-01T10:00:00"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["created_at"].startswith("2019-03-01T10:00:00")
    assert naive.status_code == 400
    assert "time zone" in naive.json()["created_at"][0]


def test_create_customer_name_with_a_line_break_is_400(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/customers/", {"external_id": "crm-9", "name": "Ada\r\nLovelace"}, format="json"
    )

    assert response.status_code == 400
    assert "must be one line" in response.json()["name"][0]
    assert not Customer.objects.filter(external_id="crm-9").exists()


def test_patch_customer_name_with_a_line_break_is_400(
    api_client: APIClient, customer: Customer
) -> None:
    response = api_client.patch(
        f"/api/customers/{customer.pk}/", {"name": "Ada\nLovelace"}, format="json"
    )

    assert response.status_code == 400
    assert "must be one line" in response.json()["name"][0]
    customer.refresh_from_db()
    assert "\n" not in customer.name
