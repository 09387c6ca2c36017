"""What may leave for the memory backend: the one place that masks text before it goes.

Every text a backend receives goes through `outgoing_text`: what the mirror delivers
(messages, group names, subjects) and what the context service, the recurring check and
memory corrections ask with (search queries made of the customer's own words, or of what a
page showed). Which kinds are masked is the memory exit's policy (`helpdesk.pii.exits`):
secrets never leave; contact details leave unless `MEMORY_MASK_CONTACTS` says otherwise,
and then the customer's name does not leave either (`outgoing_customer_name`).
"""

from __future__ import annotations

from django.conf import settings

from customers.models import Customer
from customers.selectors import customer_known_identifiers
from helpdesk import pii
from helpdesk.pii.exits import Exit, exit_kinds, mask

# What the backend calls the customer when their name may not leave.
CUSTOMER_STAND_IN = "Customer"


def outgoing_text(text: str, customer: Customer) -> str:
    """What may leave for the memory backend: never secrets; contact details per setting."""
    return mask(
        text,
        Exit.MEMORY,
        known=customer_known_identifiers(customer),
        mask_contacts=settings.MEMORY_MASK_CONTACTS,
    ).text


def outgoing_customer_name(customer: Customer) -> str:
    """The customer's name as the memory backend may know it."""
    kinds = exit_kinds(Exit.MEMORY, mask_contacts=settings.MEMORY_MASK_CONTACTS)
    return CUSTOMER_STAND_IN if pii.PERSON in kinds else customer.name
