"""Every write to customer records goes through these functions."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from customers.models import Customer


class CustomerAlreadyExistsError(Exception):
    """Another customer already holds this external id."""

    def __init__(self, existing: Customer) -> None:
        super().__init__(f"A customer with external id {existing.external_id!r} already exists.")
        self.existing = existing


@transaction.atomic
def customer_create(*, external_id: str, name: str, email: str = "", phone: str = "") -> Customer:
    existing = Customer.objects.filter(external_id=external_id).first()
    if existing is not None:
        raise CustomerAlreadyExistsError(existing)
    try:
        with transaction.atomic():
            return Customer.objects.create(
                external_id=external_id, name=name, email=email, phone=phone
            )
    except IntegrityError:
        # Lost a race with a concurrent create of the same external id.
        raise CustomerAlreadyExistsError(Customer.objects.get(external_id=external_id)) from None


@transaction.atomic
def customer_update(*, customer: Customer, **fields: str) -> Customer:
    allowed = {"name", "email", "phone"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Cannot update {', '.join(sorted(unknown))}.")
    for field, value in fields.items():
        setattr(customer, field, value)
    customer.save(update_fields=[*fields, "updated_at"])
    return customer
