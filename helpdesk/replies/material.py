"""What a draft or a handoff is written from: plain values, gathered by helpdesk.assist.

The composer never touches the database; `helpdesk.assist.drafts` fills these from a
ticket and its memory context. Every item that can be cited keeps its source
(ticket, message) so the draft can say where it came from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from helpdesk.pii import KnownIdentifiers

CUSTOMER = "customer"
AGENT = "agent"
BOT = "bot"


@dataclass(frozen=True)
class Turn:
    role: str  # CUSTOMER, AGENT or BOT
    text: str
    created_at: datetime.datetime
    message_id: int | None = None


@dataclass(frozen=True)
class Fact:
    text: str
    kind: str = "fact"
    ticket_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class PastTicket:
    """A past ticket of the same customer, as the page, the API and the composer see it.

    The memory context makes it from a backend's match (`score`, `snippet`, `message_id`)
    and our own ticket row; a draft adds `resolution`."""

    ticket_id: int
    reference: str
    subject: str
    status: str
    created_at: datetime.datetime
    snippet: str  # the part that matched this ticket
    score: float = 0.0  # how well it matched, for ordering (higher is better)
    message_id: int | None = None  # the message the snippet comes from, when known
    # When the memory names a span of the ticket's messages (EverMemOS v1): their ids, and
    # their numbers in the ticket counted from 1 (first, last); `message_id` is the first.
    message_ids: tuple[int, ...] = ()
    message_numbers: tuple[int, int] | None = None
    resolution: str = ""  # our side's last answer on it: what worked then
    summary: str = ""  # its episode memory, when extracted


@dataclass(frozen=True)
class Recurrence:
    label: str
    references: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class Material:
    ticket_id: int
    reference: str
    subject: str
    customer_first_name: str
    known: KnownIdentifiers
    turns: tuple[Turn, ...] = ()
    profile: tuple[Fact, ...] = ()
    ticket_memories: tuple[Fact, ...] = ()
    past_tickets: tuple[PastTicket, ...] = ()
    recurring: tuple[Recurrence, ...] = ()
    customer_since: datetime.date | None = None
    ticket_count: int = 1
    open_ticket_count: int = 1
    agent_first_name: str = ""

    @property
    def customer_turns(self) -> tuple[Turn, ...]:
        return tuple(turn for turn in self.turns if turn.role == CUSTOMER)

    @property
    def newest_customer_text(self) -> str:
        turns = self.customer_turns
        return turns[-1].text if turns else ""
