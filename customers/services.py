"""Every write to customer records goes through these functions."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Customer, ErasureRecord
from customers.selectors import customer_by_email
from helpdesk.errors import ConflictError
from helpdesk.text import one_line, require_one_line


class CustomerAlreadyExistsError(ConflictError):
    """Another customer already holds this external id."""

    def __init__(self, existing: Customer) -> None:
        super().__init__(f"A customer with external id {existing.external_id!r} already exists.")
        self.existing = existing

    def body(self) -> dict[str, Any]:
        return {**super().body(), "id": self.existing.pk}


@transaction.atomic
def customer_create(
    *,
    external_id: str,
    name: str,
    email: str = "",
    phone: str = "",
    created_at: datetime.datetime | None = None,
) -> Customer:
    """A new customer; `created_at` (aware) dates one imported from an older system."""
    if created_at is not None and timezone.is_naive(created_at):
        raise ValidationError({"created_at": "A time must include a time zone."})
    require_one_line(name, field="name", label="A customer's name")
    existing = Customer.objects.filter(external_id=external_id).first()
    if existing is not None:
        raise CustomerAlreadyExistsError(existing)
    try:
        with transaction.atomic():
            return Customer.objects.create(
                external_id=external_id,
                name=name,
                email=email,
                phone=phone,
                created_at=created_at or timezone.now(),
            )
    except IntegrityError:
        # Lost a race with a concurrent create of the same external id.
        raise CustomerAlreadyExistsError(Customer.objects.get(external_id=external_id)) from None


EMAIL_EXTERNAL_ID_PREFIX = "email:"
EXTERNAL_ID_MAX_LENGTH = Customer._meta.get_field("external_id").max_length or 128


@transaction.atomic
def customer_for_email(*, email: str, name: str = "") -> Customer:
    """The customer with this address, or a new one (external id `email:<address>`).

    A mail channel's way to know who wrote: the first mail from an address creates its
    customer, named as the mail program names the sender (else by the address).
    """
    existing = customer_by_email(email)
    if existing is not None:
        return existing
    email = email.strip()
    name = one_line(name).strip()[:200] or email[:200]
    external_id = f"{EMAIL_EXTERNAL_ID_PREFIX}{email.lower()}"
    if len(external_id) > EXTERNAL_ID_MAX_LENGTH:
        # Cut short, two long addresses could meet in one id: a digest keeps them apart.
        digest = hashlib.sha256(email.lower().encode()).hexdigest()
        external_id = f"{EMAIL_EXTERNAL_ID_PREFIX}sha256:{digest}"
    try:
        return customer_create(external_id=external_id, name=name, email=email)
    except CustomerAlreadyExistsError as error:
        # The same address, written differently, or a concurrent first mail.
        return error.existing


@transaction.atomic
def customer_update(*, customer: Customer, **fields: str) -> Customer:
    allowed = {"name", "email", "phone"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Cannot update {', '.join(sorted(unknown))}.")
    if "name" in fields:
        require_one_line(fields["name"], field="name", label="A customer's name")
    for field, value in fields.items():
        setattr(customer, field, value)
    customer.save(update_fields=[*fields, "updated_at"])
    return customer


def erasure_memory_kept(*, memory_entry_id: int, kept: Sequence[str]) -> int:
    """Write on the erasure record of outbox entry `memory_entry_id` what the memory
    service kept when it forgot the customer; returns how many records were updated."""
    return ErasureRecord.objects.filter(memory_entry_id=memory_entry_id).update(
        memory_kept=[str(item) for item in kept]
    )
