from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customer_external_id_duplicate_raises_integrity_error() -> None:
    CustomerFactory(external_id="crm-4711")

    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(external_id="crm-4711", name="Someone Else")


def test_customer_empty_external_id_raises_integrity_error() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(external_id="", name="Ada Lovelace")


def test_customer_empty_name_raises_integrity_error() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(external_id="crm-1", name="")


def test_customer_str_shows_name_and_external_id() -> None:
    customer = CustomerFactory(external_id="crm-4711", name="Ada Lovelace")

    assert str(customer) == "Ada Lovelace (crm-4711)"


def test_customer_first_name_is_first_word_of_name() -> None:
    customer = CustomerFactory(name="Ada King Lovelace")

    assert customer.first_name == "Ada"


def test_customer_absolute_url_is_portal_page() -> None:
    customer = CustomerFactory()

    assert customer.get_absolute_url() == f"/customers/{customer.pk}/"
