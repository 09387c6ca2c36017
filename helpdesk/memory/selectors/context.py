"""What the team already knows when it opens a ticket: one call shared by page, API and drafts.

The memory backend answers for one customer only; the ticket rows it names are
then read back from our own database filtered by that same customer, so a
backend that misbehaved still could not show another customer's ticket.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.models import AgentNote, MirrorEntry
from helpdesk.memory.outgoing import outgoing_text
from helpdesk.memory.selectors.recurring import (
    RecurringIssue,
    customer_recurring_issues,
    ticket_recurring_issue,
)
from helpdesk.memory.selectors.sources import message_windows, resolve_source, with_windows
from helpdesk.memory.selectors.sync import mirror_state
from helpdesk.memory.types import (
    QUERY_MAX_CHARS,
    MemoryBackendError,
    MessageWindow,
    ProfileFact,
    Source,
    TicketMatch,
    TicketMemory,
)
from helpdesk.replies.material import PastTicket
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

_Item = TypeVar("_Item", bound=ProfileFact | TicketMemory)

RELATED_LIMIT = 10
AGENT_NOTE = "agent note"  # the kind of profile fact an agent's note is shown as


@dataclass(frozen=True)
class TicketContext:
    query: str
    profile: tuple[ProfileFact, ...]
    ticket_memories: tuple[TicketMemory, ...]
    related_tickets: tuple[PastTicket, ...]
    recurring_issues: tuple[RecurringIssue, ...]
    pending_sync: int
    failed_sync: int
    unavailable: str = ""  # why memory could not be read, shown as a quiet notice

    @property
    def is_available(self) -> bool:
        return not self.unavailable

    @property
    def recurring_for_ticket(self) -> RecurringIssue | None:
        """The group of tickets about the same problem as this one, if it recurs; else None.

        For rules such as "escalate when the same issue recurs across tickets"."""
        for issue in self.recurring_issues:
            if issue.position is not None:
                return issue
        return None


def default_query(ticket: Ticket) -> str:
    """The newest customer message, else the subject."""
    newest = (
        Message.objects.filter(ticket=ticket, role=Message.Role.CUSTOMER)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    return newest or ticket.subject


def _own_tickets(customer_id: int, ticket_ids: set[int]) -> dict[int, Ticket]:
    """The customer's own tickets among those the backend named (defence in depth)."""
    if not ticket_ids:
        return {}
    rows = Ticket.objects.filter(customer_id=customer_id, pk__in=ticket_ids)
    return {row.pk: row for row in rows}


def _related(
    ticket: Ticket,
    matches: list[TicketMatch],
    own: dict[int, Ticket],
    windows: dict[tuple[int, datetime.datetime], MessageWindow],
) -> tuple[PastTicket, ...]:
    related = []
    for match in matches:
        row = own.get(match.ticket_id)
        if row is None or row.pk == ticket.pk:
            continue
        source = resolve_source(match.source, windows)
        window = source.window
        related.append(
            PastTicket(
                ticket_id=row.pk,
                reference=row.reference,
                subject=row.subject,
                status=row.status,
                created_at=row.created_at,
                score=round(match.score, 4),
                snippet=match.snippet,
                message_id=source.message_id,
                message_ids=window.message_ids if window else (),
                message_numbers=(window.first_number, window.last_number) if window else None,
            )
        )
    return tuple(related[:RELATED_LIMIT])


def agent_notes(customer_id: int) -> list[ProfileFact]:
    """Facts agents wrote when they corrected a memory: shown first, whatever the backend."""
    notes = AgentNote.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")[:20]
    return [
        ProfileFact(
            text=note.text,
            kind=AGENT_NOTE,
            source=Source(ticket_id=note.ticket_id),
            memory_id=note.memory_id,
        )
        for note in notes
    ]


def _merge(notes: list[ProfileFact], learned: list[ProfileFact]) -> list[ProfileFact]:
    seen = {note.text.lower() for note in notes}
    return [*notes, *(fact for fact in learned if fact.text.lower() not in seen)]


def _source_tickets(items: Sequence[ProfileFact | TicketMemory]) -> set[int]:
    return {item.source.ticket_id for item in items if item.source.ticket_id is not None}


def _own_sources(
    items: Sequence[_Item], own: dict[int, Ticket], forgotten: frozenset[str] = frozenset()
) -> list[_Item]:
    """Keep items whose source ticket, if any, is this customer's, and that no agent deleted."""
    return [
        item
        for item in items
        if (item.source.ticket_id in own or item.source.ticket_id is None)
        and item.memory_id not in forgotten
    ]


def forgotten_memories(customer_id: int) -> frozenset[str]:
    """Ids of the customer's memories an agent deleted, whether the backend has been told yet
    or not: a deletion shows at once, and EverMemOS v1's search, which may still return a
    soft-deleted segment (docs/evermemos-v1-api.md §9), is filtered here."""
    rows = MirrorEntry.objects.filter(
        customer_id=customer_id, kind=MirrorEntry.Kind.MEMORY_DELETED
    ).values_list("payload__memory_id", flat=True)
    return frozenset(str(memory_id) for memory_id in rows if memory_id)


def ticket_context(*, ticket: Ticket, query: str | None = None) -> TicketContext:
    """Profile, this ticket's memories and related past tickets of the same customer.

    A failing memory backend yields an empty context with `unavailable` set;
    it never raises.
    """
    query = (query if query and query.strip() else default_query(ticket))[:QUERY_MAX_CHARS]
    sync = mirror_state(customer_id=ticket.customer_id)
    customer = ids.customer_id(ticket.customer_id)
    backend = get_backend()
    try:
        asked = outgoing_text(query, ticket.customer)  # the customer's words: masked too
        profile = backend.customer_profile(customer_id=customer, query=asked)
        memories = backend.ticket_memories(customer_id=customer, group_id=ids.group_id(ticket.pk))
        matches = backend.related_tickets(
            customer_id=customer,
            query=asked,
            exclude_group_id=ids.group_id(ticket.pk),
            limit=RELATED_LIMIT,
            query_time=ticket.last_message_at,
        )
        recurring = ticket_recurring_issue(ticket=ticket, backend=backend)
    except MemoryBackendError as error:
        logger.warning("Memory unavailable for %s: %s", ticket.reference, error)
        return TicketContext(
            query=query,
            profile=tuple(agent_notes(ticket.customer_id)),  # our own notes need no backend
            ticket_memories=(),
            related_tickets=(),
            recurring_issues=(),
            pending_sync=sync.pending,
            failed_sync=sync.failed,
            unavailable="Memory is unavailable right now; the ticket itself is up to date.",
        )
    profile = _merge(agent_notes(ticket.customer_id), profile)
    items: list[ProfileFact | TicketMemory] = [*profile, *memories]
    own = _own_tickets(
        ticket.customer_id, _source_tickets(items) | {match.ticket_id for match in matches}
    )
    kept = _own_sources(items, own, forgotten_memories(ticket.customer_id))
    # Memories that name a ticket and a time (EverMemOS v1) are shown as that ticket's
    # messages in the window: our own tickets only, so read after the ownership check.
    windows = message_windows(
        [*(item.source for item in kept), *(m.source for m in matches if m.ticket_id in own)]
    )
    kept = [dataclasses.replace(item, source=resolve_source(item.source, windows)) for item in kept]
    return TicketContext(
        query=query,
        profile=tuple(item for item in kept if isinstance(item, ProfileFact)),
        ticket_memories=tuple(item for item in kept if isinstance(item, TicketMemory)),
        related_tickets=_related(ticket, matches, own, windows),
        recurring_issues=(recurring,) if recurring else (),
        pending_sync=sync.pending,
        failed_sync=sync.failed,
    )


@dataclass(frozen=True)
class CustomerMemory:
    profile: tuple[ProfileFact, ...]
    recurring_issues: tuple[RecurringIssue, ...]
    unavailable: str = ""
    recurring_unavailable: str = ""  # recurring issues alone could not be read


def customer_memory(*, customer_id: int) -> CustomerMemory:
    """What the memory layer knows of a customer, for the customer page and the API."""
    try:
        learned = get_backend().customer_profile(customer_id=ids.customer_id(customer_id))
    except MemoryBackendError as error:
        logger.warning("Memory unavailable for customer %s: %s", customer_id, error)
        return CustomerMemory(
            profile=tuple(agent_notes(customer_id)),
            recurring_issues=(),
            unavailable="Memory is unavailable right now.",
        )
    merged = _merge(agent_notes(customer_id), learned)
    profile = with_windows(
        _own_sources(
            merged,
            _own_tickets(customer_id, _source_tickets(merged)),
            forgotten_memories(customer_id),
        )
    )
    try:
        recurring = customer_recurring_issues(customer_id=customer_id)
    except MemoryBackendError as error:
        logger.warning("Recurring issues unavailable for customer %s: %s", customer_id, error)
        return CustomerMemory(
            profile=tuple(profile),
            recurring_issues=(),
            recurring_unavailable="Recurring issues cannot be read right now.",
        )
    return CustomerMemory(profile=tuple(profile), recurring_issues=recurring)


def _backend_memories(
    *, customer_id: int, hint: str, ticket_id: int | None
) -> Iterator[Sequence[ProfileFact | TicketMemory]]:
    """What the pages show of the customer, read lazily: the profile, the profile the
    memory's text finds (a ticket page's profile answers its query), the ticket's memories."""
    backend = get_backend()
    customer = ids.customer_id(customer_id)
    yield backend.customer_profile(customer_id=customer)
    if hint.strip():
        # The page's text comes back in a form: it leaves masked, as the customer's words do.
        asked = outgoing_text(hint[:QUERY_MAX_CHARS], Customer.objects.get(pk=customer_id))
        yield backend.customer_profile(customer_id=customer, query=asked)
    if ticket_id is not None:
        yield backend.ticket_memories(customer_id=customer, group_id=ids.group_id(ticket_id))


def customer_memory_text(
    *, customer_id: int, memory_id: str, hint: str = "", ticket_id: int | None = None
) -> str | None:
    """The text of the customer's memory `memory_id`: an agent note of theirs or a memory the
    backend shows for them (`hint`, the text a page showed, helps find it; `ticket_id` must be
    the customer's own ticket). None if no memory of this customer has that id.

    Raises MemoryBackendError when the backend cannot be read.
    """
    if not memory_id:
        return None
    note_pk = AgentNote.pk_from_memory_id(memory_id)
    if note_pk is not None:
        notes = AgentNote.objects.filter(customer_id=customer_id, pk=note_pk)
        return notes.values_list("text", flat=True).first()
    forgotten = forgotten_memories(customer_id)
    for items in _backend_memories(customer_id=customer_id, hint=hint, ticket_id=ticket_id):
        own = _own_sources(items, _own_tickets(customer_id, _source_tickets(items)), forgotten)
        for item in own:
            if item.memory_id == memory_id:
                return item.text
    return None
