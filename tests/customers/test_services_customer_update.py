from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.services import customer_update

pytestmark = pytest.mark.django_db


def test_customer_update_changes_given_fields_only(customer: Customer) -> None:
    customer_update(customer=customer, email="ada@lovelace.example")

    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Ada Lovelace", "ada@lovelace.example")


def test_customer_update_external_id_is_refused(customer: Customer) -> None:
    with pytest.raises(TypeError):
        customer_update(customer=customer, external_id="crm-9999")

    customer.refresh_from_db()
    assert customer.external_id == "crm-4711"


def test_customer_update_name_with_a_line_break_is_rejected(customer: Customer) -> None:
    with pytest.raises(ValidationError, match="must be one line"):
        customer_update(customer=customer, name="Ada\u2028Lovelace")

    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace"
