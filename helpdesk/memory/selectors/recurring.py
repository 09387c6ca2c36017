"""Recurring issues: a customer's tickets about the same problem, for pages, API and escalation.

The memory backend decides which past tickets are about the same problem (always for one
customer: `recurring_candidates`); the ticket ids it names are read back from our database
filtered by that customer, so a misbehaving backend still cannot group another customer's
tickets. Labels are built from words the grouped tickets share, never from one ticket's text,
and from the tickets' text masked first: a label goes where the tickets' text may not go
unmasked (the model's prompt, the bot's hand-over reason, so the handoff and its e-mail).

Reads only; every function may raise `MemoryBackendError` (the context service turns it into
a quiet notice).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from customers.models import Customer
from customers.selectors import customer_known_identifiers
from helpdesk import pii
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.outgoing import outgoing_text
from helpdesk.pii.exits import Exit, exit_kinds
from helpdesk.words import STOP_WORDS, tokenize
from tickets.models import Message, Ticket

QUERY_MAX_LENGTH = 2_000
CUSTOMER_SCAN_LIMIT = 12  # newest tickets of a customer checked for the customer page
LABEL_WORDS = 3
LABEL_MAX_LENGTH = 40
# Where a label goes besides our own pages: the model's prompt (drafts, handoffs) and the
# bot's hand-over reason, which the handoff and the notification e-mail carry.
LABEL_EXITS = (Exit.LANGUAGE_MODEL, Exit.HANDOFF, Exit.EMAIL)
# What is masked in the tickets' text before a label is picked: what those exits mask, but
# names word by word (`_is_a_name`, `avoid`), since the filter reads a run of lower-case
# words around a name as one name and would take the problem's own words with it.
_LABEL_KINDS = exit_kinds(*LABEL_EXITS) - {pii.PERSON}

# Words of support conversations that name no problem.
_FILLER_TEXT = """
    again also always anyone anything back can cannot could day days dear does done else even
    ever every fix get gets getting give going got guys happen happened happening hello help hey
    issue issues keep keeps know let like look make many much need needs never new now please
    problem problems really right said say says see since someone something still sure team thank
    thanks thing things think time times today tried trying two use used using want way week well
    what work working works yesterday yet
"""
_FILLER = frozenset(_FILLER_TEXT.split())
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*[^\W\d_]|[^\W\d_]{2,}")
_NOT_A_WORD = re.compile(r"\S*[@#/]\S*|\S+\.\S+")  # handles, tags, links, e-mail addresses
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")


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

    label: str
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
        bodies = [message.body for message in getattr(row, "customer_messages", [])[:20]]
        for other in _edges(ticket=row, bodies=bodies, backend=backend):
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
    """The customer's first 20 messages in the ticket."""
    bodies = Message.objects.filter(ticket=ticket, role=Message.Role.CUSTOMER).order_by(
        "created_at", "id"
    )
    return list(bodies.values_list("body", flat=True)[:20])


def _joined(bodies: list[str], ticket: Ticket) -> str:
    return ("\n".join(bodies) or ticket.subject)[:QUERY_MAX_LENGTH]


def _asked(bodies: list[str], ticket: Ticket) -> str:
    """What the backend is asked with: the customer's messages each masked as the mirror masks
    it, then joined, as the backend joins what it was sent (masking the joined text would
    number the placeholders across messages, `<EMAIL_2>`, and the embedded engine would not
    find the query vector it stored for the ticket's text); the subject when they wrote none."""
    if not bodies:
        return outgoing_text(ticket.subject[:QUERY_MAX_LENGTH], ticket.customer)
    masked: list[str] = []
    for body in bodies:
        masked.append(outgoing_text(body, ticket.customer))
        if sum(map(len, masked)) + len(masked) > QUERY_MAX_LENGTH:
            break  # the rest would be cut off
    return "\n".join(masked)[:QUERY_MAX_LENGTH]


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


def _text_of(ticket: Ticket) -> str:
    bodies = [message.body for message in getattr(ticket, "customer_messages", [])[:20]]
    return ("\n".join(bodies) or ticket.subject)[:QUERY_MAX_LENGTH]


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


def issue_label(
    texts: list[str], *, avoid: str = "", known: pii.KnownIdentifiers | None = None
) -> str:
    """A few words the tickets share ('verification code', 'printer offline'), else a neutral one.

    Only words found in at least two of the tickets are used, so one ticket's personal details
    (names, numbers, addresses, handles) never make the label; nor does a name found in several
    (words the PII filter masks as a person's name, capitalised). The texts are masked first,
    as the exits a label reaches say (`LABEL_EXITS`, with the customer's `known` values): a
    password or key the customer sent twice is no shared word either.
    """
    banned = {part.lower() for part in avoid.split()}
    texts = [_PLACEHOLDER.sub(" ", _masked(text, known)) for text in texts]
    seen_in: Counter[str] = Counter()  # by stem: "drops" and "dropped" are one word
    forms: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    for text in texts:
        stems = set()
        for word in _label_words(text, banned):
            stem = (tokenize(word) or [word])[0]
            forms.setdefault(stem, Counter())[word] += 1
            first_seen.setdefault(stem, len(first_seen))
            stems.add(stem)
        seen_in.update(stems)
    shared = [stem for stem, count in seen_in.items() if count >= 2]
    shared.sort(key=lambda stem: (-seen_in[stem], first_seen[stem]))
    # A name can be shared too (the agent thanked by name, a child's name): not in a label.
    chosen: list[str] = []
    for stem in shared:
        if len(chosen) == LABEL_WORDS:
            break
        if not _is_a_name(forms[stem].most_common(1)[0][0]):
            chosen.append(stem)
    picked = [
        forms[stem].most_common(1)[0][0] for stem in sorted(chosen, key=first_seen.__getitem__)
    ]
    label = " ".join(picked)
    while len(label) > LABEL_MAX_LENGTH and len(picked) > 1:
        picked.pop()
        label = " ".join(picked)
    return label[:LABEL_MAX_LENGTH] or "same problem"


def _masked(text: str, known: pii.KnownIdentifiers | None) -> str:
    return pii.redact(text, known=known, kinds=_LABEL_KINDS).text


def _is_a_name(word: str) -> bool:
    """Would the PII filter mask the word, capitalised, as a person's name?"""
    return any(span.kind == pii.PERSON for span in pii.redact(word.capitalize()).spans)


def _label_words(text: str, banned: set[str]) -> list[str]:
    cleaned = _NOT_A_WORD.sub(" ", text.lower())
    return [
        word
        for word in (match.group(0).strip("'\u2019-") for match in _WORD.finditer(cleaned))
        if len(word) > 2 and word not in STOP_WORDS and word not in _FILLER and word not in banned
    ]


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
