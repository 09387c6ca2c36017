"""What may leave for the memory backend: the one place that masks text before it goes.

Every text a backend receives goes through `outgoing_text`: what the mirror delivers
(messages, group names, subjects) and what the context service asks with (search queries
made of the customer's own words). Secrets never leave; contact details leave unless
`MEMORY_MASK_CONTACTS` says otherwise.
"""

from __future__ import annotations

from django.conf import settings

from customers.models import Customer
from customers.selectors import customer_known_identifiers
from helpdesk import pii


def outgoing_text(text: str, customer: Customer) -> str:
    """What may leave for the memory backend: never secrets; contact details per setting."""
    if settings.MEMORY_MASK_CONTACTS:
        known = customer_known_identifiers(customer)
    else:
        known = pii.KnownIdentifiers(ids=(customer.external_id,))
    kinds = pii.mirror_kinds(settings.MEMORY_MASK_CONTACTS)
    return pii.redact(text, known=known, kinds=kinds).text
