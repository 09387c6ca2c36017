"""`customer_for_email`: the sender of a mail is an existing customer or a new one, once."""

from __future__ import annotations

import pytest

from customers.models import Customer
from customers.services import customer_for_email
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_known_address_finds_the_customer_in_any_case() -> None:
    ada = CustomerFactory(email="Ada@Example.com")

    assert customer_for_email(email="ada@example.COM", name="Someone Else") == ada
    assert Customer.objects.count() == 1


def test_unknown_address_creates_a_customer_named_as_the_mail_names_them() -> None:
    customer = customer_for_email(email="chloe@example.fr", name="Chloé Martin")

    assert (customer.name, customer.email, customer.external_id) == (
        "Chloé Martin",
        "chloe@example.fr",
        "email:chloe@example.fr",
    )


def test_unnamed_sender_is_named_by_the_address() -> None:
    assert customer_for_email(email="bob@example.com").name == "bob@example.com"


def test_second_mail_from_a_new_address_finds_the_first_ones_customer() -> None:
    first = customer_for_email(email="bob@example.com", name="Bob")

    assert customer_for_email(email="BOB@example.com", name="Bob") == first


def test_long_addresses_sharing_a_start_are_two_customers() -> None:
    local = "a" * 120
    one = customer_for_email(email=f"{local}1@example.com")
    two = customer_for_email(email=f"{local}2@example.com")

    assert one != two
    assert len(one.external_id) <= 128
