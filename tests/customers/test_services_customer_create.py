from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import CustomerAlreadyExistsError, customer_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customer_create_stores_all_fields() -> None:
    customer = customer_create(
        external_id="crm-4711", name="Ada Lovelace", email="ada@example.com", phone="+44 20"
    )

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.external_id, stored.name, stored.email, stored.phone) == (
        "crm-4711",
        "Ada Lovelace",
        "ada@example.com",
        "+44 20",
    )


def test_customer_create_duplicate_external_id_raises_with_existing_customer() -> None:
    existing = CustomerFactory(external_id="crm-4711")

    with pytest.raises(CustomerAlreadyExistsError) as raised:
        customer_create(external_id="crm-4711", name="Someone Else")

    assert raised.value.existing == existing


def test_customer_create_duplicate_external_id_creates_nothing() -> None:
    CustomerFactory(external_id="crm-4711")

    with pytest.raises(CustomerAlreadyExistsError):
        customer_create(external_id="crm-4711", name="Someone Else")

    assert Customer.objects.count() == 1


def test_customer_create_name_with_a_line_break_is_rejected() -> None:
    with pytest.raises(ValidationError, match="must be one line"):
        customer_create(external_id="crm-1", name="Ada\rLovelace")

    assert not Customer.objects.exists()
