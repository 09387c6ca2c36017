"""Reads of customer records for the portal and the API."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

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


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    # Per-row subqueries rather than a join with GROUP BY: the database then works out the
    # numbers for the page's 25 customers only, not for every customer before sorting.
    from tickets.models import Ticket  # tickets depend on customers, not the other way

    tickets = Ticket.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    customers = Customer.objects.annotate(
        ticket_count=Coalesce(Subquery(tickets.annotate(n=Count("id")).values("n")), 0),
        last_activity_at=Subquery(tickets.annotate(last=Max("last_message_at")).values("last")),
    )
    return customer_search(customers, query).order_by("name", "id")


def customer_known_identifiers(customer: Customer) -> KnownIdentifiers:
    """What the customer's record says about them: masked wherever their text leaves us."""
    return KnownIdentifiers(
        names=tuple(filter(None, [customer.name.strip()])),
        emails=tuple(filter(None, [customer.email.strip()])),
        phones=tuple(filter(None, [customer.phone.strip()])),
        ids=tuple(filter(None, [customer.external_id.strip()])),
    )
