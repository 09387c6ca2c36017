"""Reads of tickets for the portal and the API, with their joins done here."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from customers.models import Customer
from customers.selectors import customer_search
from tickets.models import Handoff, Macro, Message, Ticket, TicketEvent
from tickets.search import QUERY_MAX_LENGTH, message_search

AGENTS_GROUP = "Agents"
REFERENCE_PATTERN = re.compile(r"^\s*T-?0*(\d{1,12})\s*$", re.IGNORECASE)

QUEUE_VIEWS = {
    "open": "All open",
    "mine": "Mine",
    "unassigned": "Unassigned",
    "escalated": "Escalated",
    "all": "All",
}


def is_agent(user: User | AnonymousUser) -> bool:
    """Agents are active users who may see tickets (the Agents group, or superusers)."""
    return bool(user.is_active and user.has_perm("tickets.view_ticket"))


def agent_list() -> QuerySet[User]:
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(Q(groups__name=AGENTS_GROUP) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def ticket_search(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """Match a reference (T-000042), the subject or customer (substrings), or the words of
    a message (`tickets.search`)."""
    # PostgreSQL refuses NUL in a text parameter; SQLite refuses LIKE patterns over 50,000
    # characters. No search needs more than QUERY_MAX_LENGTH.
    query = query.replace("\x00", "")[:QUERY_MAX_LENGTH].strip()
    if not query:
        return tickets
    reference = REFERENCE_PATTERN.match(query)
    if reference:
        return tickets.filter(pk=int(reference.group(1)))
    # One IN over the union of three id sets, each found by its own table's index where it
    # has one (subjects: a trigram index on PostgreSQL, migration 0006; message text: the
    # full-text index, migration 0009), rather than testing every ticket row: matching
    # customers once, not once per ticket, and message text as one lookup, not an EXISTS
    # per ticket. Subjects and customers match substrings; message text matches words.
    customers = Customer.objects.filter(
        Q(name__icontains=query) | Q(email__icontains=query) | Q(external_id__icontains=query)
    )
    matching = (
        Ticket.objects.filter(subject__icontains=query)
        .order_by()
        .values("pk")
        .union(
            Ticket.objects.filter(customer__in=customers.values("pk")).order_by().values("pk"),
            message_search(query).order_by().values("ticket_id"),
        )
    )
    return tickets.filter(pk__in=matching)


def ticket_queue(
    *, user: User, view: str = "open", status: str = "", query: str = "", tag: str = ""
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("customer", "assigned_to").prefetch_related(
        "tagged_items__tag"
    )
    if view == "mine":
        tickets = tickets.filter(assigned_to=user, status__in=Ticket.ACTIVE_STATUSES)
    elif view == "unassigned":
        tickets = tickets.filter(assigned_to__isnull=True, status__in=Ticket.ACTIVE_STATUSES)
    elif view == "escalated":
        tickets = tickets.filter(status=Ticket.Status.ESCALATED)
    elif view == "open":
        tickets = tickets.filter(status__in=Ticket.ACTIVE_STATUSES)
    if status:
        tickets = tickets.filter(status=status)
    if tag:
        tickets = tickets.filter(tagged_items__tag__name__iexact=tag)
    return ticket_search(tickets, query).order_by("-last_message_at", "-id")


def ticket_detail(*, ticket_id: int) -> Ticket:
    """One ticket with everything its page shows, in a fixed number of queries."""
    return (
        Ticket.objects.select_related("customer", "assigned_to")
        .prefetch_related(
            "tagged_items__tag",
            Prefetch("messages", queryset=Message.objects.select_related("author", "posted_by")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
        )
        .get(pk=ticket_id)
    )


def customer_tickets(*, customer_id: int) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(customer_id=customer_id)
        .select_related("assigned_to")
        .order_by("-created_at", "-id")
    )


def latest_handoff(ticket: Ticket) -> Handoff | None:
    return (
        Handoff.objects.filter(ticket=ticket)
        .select_related("assigned_to", "escalated_by")
        .order_by("-created_at", "-id")
        .first()
    )


def whole_ticket_query(ticket: Ticket) -> str:
    """The subject and every customer message: a handoff's history is about the whole ticket."""
    bodies = Message.objects.filter(ticket=ticket, role=Message.Role.CUSTOMER).order_by(
        "created_at", "id"
    )
    return " ".join([ticket.subject, *bodies.values_list("body", flat=True)[:20]])


def customer_list(*, query: str = "") -> QuerySet[Customer]:
    """Customers matching `query`, each with its number of tickets and latest activity."""
    # Per-row subqueries rather than a join with GROUP BY: the database then works out the
    # numbers for the page's 25 customers only, not for every customer before sorting.
    tickets = Ticket.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    customers = Customer.objects.annotate(
        ticket_count=Coalesce(Subquery(tickets.annotate(n=Count("id")).values("n")), 0),
        last_activity_at=Subquery(tickets.annotate(last=Max("last_message_at")).values("last")),
    )
    return customer_search(customers, query).order_by("name", "id")


def ticket_tag_names(ticket: Ticket) -> list[str]:
    """A ticket's tags, sorted; from `prefetch_related("tagged_items__tag")` when made."""
    return sorted((item.tag.name for item in ticket.tagged_items.all()), key=str.casefold)


def macros_for(user: User) -> QuerySet[Macro]:
    """The macros an agent may use: the team's shared ones and their own."""
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner=user)).order_by(
        "-usage_count", "name", "id"
    )
