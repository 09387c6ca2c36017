"""Reads of customer records for the portal and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from customers.models import Customer
from helpdesk.pii import KnownIdentifiers


def customer_search(customers: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    query = query.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a text parameter
    if not query:
        return customers
    return customers.filter(
        Q(name__icontains=query)
        | Q(email__icontains=query)
        | Q(external_id__icontains=query)
        | Q(phone__icontains=query)
    )


def customer_by_email(email: str) -> Customer | None:
    """The customer with this e-mail address (any case), the oldest when several share it."""
    email = email.strip()
    if not email:
        return None
    return Customer.objects.filter(email__iexact=email).order_by("created_at", "id").first()


def customer_known_identifiers(customer: Customer) -> KnownIdentifiers:
    """What the customer's record says about them: masked wherever their text leaves us."""
    return KnownIdentifiers(
        names=tuple(filter(None, [customer.name.strip()])),
        emails=tuple(filter(None, [customer.email.strip()])),
        phones=tuple(filter(None, [customer.phone.strip()])),
        ids=tuple(filter(None, [customer.external_id.strip()])),
    )
