"""Recurring issues: a customer's tickets about the same problem, for pages, API and escalation.

The memory backend decides which past tickets are about the same problem (always for one
customer: `recurring_candidates`); the ticket ids it names are read back from our database
filtered by that customer, so a misbehaving backend still cannot group another customer's
tickets. Labels (`labels`) are built from phrases the grouped tickets share, never from one
ticket's text, and from their text masked first: a label goes where the tickets' text may not go
unmasked (the model's prompt, the bot's hand-over reason, so the handoff and its e-mail).

Reads only; every function may raise `MemoryBackendError` (the context service turns it into
a quiet notice).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from customers.models import Customer
from customers.selectors import customer_known_identifiers
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.outgoing import outgoing_text
from helpdesk.memory.selectors.labels import issue_label
from helpdesk.memory.types import QUERY_MAX_CHARS, QUERY_MAX_MESSAGES
from tickets.models import Message, Ticket

CUSTOMER_SCAN_LIMIT = 12  # newest tickets of a customer checked for the customer page


@dataclass(frozen=True)
class RecurringTicket:
    ticket_id: int
    reference: str
    subject: str
    status: str
    created_at: datetime.datetime


@dataclass(frozen=True)
class RecurringIssue:
    """Tickets of one customer about the same problem, oldest first.

    `current_ticket_id` is the ticket the group was found for (ticket page, API context), or
    None on the customer page.
    """

    label: str  # the topic the tickets share, or "" (`labels.issue_label`)
    ticket_ids: tuple[int, ...]
    tickets: tuple[RecurringTicket, ...] = ()
    current_ticket_id: int | None = None

    @property
    def count(self) -> int:
        return len(self.ticket_ids)

    @property
    def first_at(self) -> datetime.datetime | None:
        return self.tickets[0].created_at if self.tickets else None

    @property
    def last_at(self) -> datetime.datetime | None:
        return self.tickets[-1].created_at if self.tickets else None

    @property
    def position(self) -> int | None:
        """Which time this is for the current ticket (1 = the first), or None."""
        if self.current_ticket_id not in self.ticket_ids:
            return None
        return self.ticket_ids.index(self.current_ticket_id) + 1

    @property
    def occurrence(self) -> str:
        """'3rd time this month', '2nd time', ... for the current ticket ('1st of 3 times' when
        it came back later); '' without a current ticket."""
        position = self.position
        if position is None:
            return ""
        if position == 1:
            return f"1st of {self.count} times"
        current = self.tickets[position - 1].created_at
        span = current - self.tickets[0].created_at
        return f"{ordinal(position)} time{_within(span)}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _within(span: datetime.timedelta) -> str:
    if span <= datetime.timedelta(days=7):
        return " this week"
    if span <= datetime.timedelta(days=31):
        return " this month"
    return ""


def ticket_recurring_issue(
    *, ticket: Ticket, backend: MemoryBackend | None = None
) -> RecurringIssue | None:
    """The group of the customer's tickets about the same problem as `ticket`, or None."""
    tickets = {ticket.pk: ticket}
    bodies = _bodies(ticket)
    texts = {ticket.pk: _joined(bodies, ticket)}
    edges = _edges(ticket=ticket, bodies=bodies, backend=backend or get_backend())
    if not edges:
        return None
    others = _own_tickets(customer_id=ticket.customer_id, ticket_ids=edges)
    if not others:
        return None
    tickets |= others
    texts |= {pk: _text_of(row) for pk, row in others.items()}
    return _issue(list(tickets.values()), texts, ticket.customer, current=ticket.pk)


def customer_recurring_issues(
    *, customer_id: int, backend: MemoryBackend | None = None
) -> tuple[RecurringIssue, ...]:
    """Groups among the customer's newest tickets, the most recent problem first."""
    backend = backend or get_backend()
    recent = list(
        Ticket.objects.filter(customer_id=customer_id)
        .select_related("customer")
        .prefetch_related(_customer_messages())
        .order_by("-created_at", "-id")[:CUSTOMER_SCAN_LIMIT]
    )
    if len(recent) < 2:
        return ()
    by_pk = {row.pk: row for row in recent}
    texts = {row.pk: _text_of(row) for row in recent}
    groups = _Groups()
    for row in recent:
        for other in _edges(ticket=row, bodies=_prefetched_bodies(row), backend=backend):
            if other in by_pk:  # the customer's own (and among those scanned)
                groups.join(row.pk, other)
    customer = recent[0].customer
    issues = [_issue([by_pk[pk] for pk in members], texts, customer) for members in groups.sets()]
    issues.sort(key=lambda issue: (issue.last_at, issue.ticket_ids[-1]), reverse=True)
    return tuple(issues)


def ticket_problem_text(*, ticket: Ticket) -> str:
    """What the customer wrote in the ticket (its subject when they wrote nothing yet)."""
    return _joined(_bodies(ticket), ticket)


def _bodies(ticket: Ticket) -> list[str]:
    """The customer's first messages in the ticket (`QUERY_MAX_MESSAGES`)."""
    bodies = Message.objects.filter(ticket=ticket, role=Message.Role.CUSTOMER).order_by(
        "created_at", "id"
    )
    return list(bodies.values_list("body", flat=True)[:QUERY_MAX_MESSAGES])


def _joined(bodies: list[str], ticket: Ticket) -> str:
    return ("\n".join(bodies) or ticket.subject)[:QUERY_MAX_CHARS]


def _asked(bodies: list[str], ticket: Ticket) -> str:
    """What the backend is asked with: the customer's messages each masked as the mirror masks
    it, then joined, as the backend joins what it was sent (masking the joined text would
    number the placeholders across messages, `<EMAIL_2>`, and the embedded engine would not
    find the query vector it stored for the ticket's text); the subject when they wrote none."""
    if not bodies:
        return outgoing_text(ticket.subject[:QUERY_MAX_CHARS], ticket.customer)
    masked: list[str] = []
    for body in bodies:
        masked.append(outgoing_text(body, ticket.customer))
        if sum(map(len, masked)) + len(masked) > QUERY_MAX_CHARS:
            break  # the rest would be cut off
    return "\n".join(masked)[:QUERY_MAX_CHARS]


def _edges(*, ticket: Ticket, bodies: list[str], backend: MemoryBackend) -> list[int]:
    matches = backend.recurring_candidates(
        customer_id=ids.customer_id(ticket.customer_id),
        query=_asked(bodies, ticket),  # the customer's words: masked too
        group_id=ids.group_id(ticket.pk),
    )
    return [match.ticket_id for match in matches if match.ticket_id != ticket.pk]


def _own_tickets(*, customer_id: int, ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """The customer's own tickets among `ticket_ids`, with what the customer wrote in them."""
    rows = Ticket.objects.filter(customer_id=customer_id, pk__in=list(ticket_ids))
    return {row.pk: row for row in rows.prefetch_related(_customer_messages())}


def _customer_messages() -> Prefetch[str, QuerySet[Message], str]:
    return Prefetch(
        "messages",
        queryset=Message.objects.filter(role=Message.Role.CUSTOMER).order_by("created_at", "id"),
        to_attr="customer_messages",
    )


def _prefetched_bodies(ticket: Ticket) -> list[str]:
    """`_bodies`, from the messages `_customer_messages` prefetched."""
    messages = getattr(ticket, "customer_messages", [])[:QUERY_MAX_MESSAGES]
    return [message.body for message in messages]


def _text_of(ticket: Ticket) -> str:
    return _joined(_prefetched_bodies(ticket), ticket)


def _issue(
    tickets: list[Ticket], texts: dict[int, str], customer: Customer, current: int | None = None
) -> RecurringIssue:
    ordered = sorted(tickets, key=lambda row: (row.created_at, row.pk))
    return RecurringIssue(
        label=issue_label(
            [f"{row.subject}\n{texts.get(row.pk, '')}" for row in ordered],
            avoid=customer.name,
            known=customer_known_identifiers(customer),
        ),
        ticket_ids=tuple(row.pk for row in ordered),
        tickets=tuple(
            RecurringTicket(
                ticket_id=row.pk,
                reference=row.reference,
                subject=row.subject,
                status=row.status,
                created_at=row.created_at,
            )
            for row in ordered
        ),
        current_ticket_id=current,
    )


class _Groups:
    """Union-find over ticket ids: tickets linked directly or through others share a group."""

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}

    def _root(self, item: int) -> int:
        self._parent.setdefault(item, item)
        while self._parent[item] != item:
            self._parent[item] = self._parent[self._parent[item]]
            item = self._parent[item]
        return item

    def join(self, first: int, second: int) -> None:
        self._parent[self._root(first)] = self._root(second)

    def sets(self) -> list[set[int]]:
        groups: dict[int, set[int]] = {}
        for item in self._parent:
            groups.setdefault(self._root(item), set()).add(item)
        return [group for group in groups.values() if len(group) >= 2]
