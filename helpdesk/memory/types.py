"""Typed values that cross the memory interface.

Ids are opaque strings built by `helpdesk.memory.ids`: a customer is
`customer_<pk>`, a ticket's group `ticket_<pk>`, a message `msg_<pk>`. Times
are aware datetimes; backends convert them to their own wire format.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field


class Speaker(enum.StrEnum):
    """Who speaks, as a memory service sees it: the customer, or our side."""

    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    speaker: Speaker


@dataclass(frozen=True)
class TicketOpened:
    """A new ticket: its group is announced before its first message."""

    group_id: str
    ticket_id: int
    customer_id: str
    name: str  # the group's name: the ticket's reference and subject
    created_at: datetime.datetime
    participants: tuple[Participant, ...]
    subject: str = ""  # the subject alone


@dataclass(frozen=True)
class MessagePosted:
    """One message, sent once under its stable `message_id`."""

    message_id: str
    group_id: str
    group_name: str
    ticket_id: int
    customer_id: str
    sender: Participant
    content: str
    created_at: datetime.datetime
    subject: str = ""  # the ticket's subject alone (the group name has its reference too)


@dataclass(frozen=True)
class TicketClosed:
    """The conversation ended: extract its memories now."""

    group_id: str
    ticket_id: int
    customer_id: str
    status: str
    closed_at: datetime.datetime
    sequence: int = 1  # the n-th time this ticket closes (it may be reopened)


@dataclass(frozen=True)
class TicketQuiet:
    """An open ticket has had no message for a while: extract what it says so far."""

    group_id: str
    ticket_id: int
    customer_id: str
    message_id: str  # the pause note's own stable id (ids.quiet_message_id)
    quiet_since: datetime.datetime


class DeliveryOutcome(enum.StrEnum):
    DELIVERED = "delivered"
    # The backend had already seen this id. Delivered, but if an earlier try
    # failed mid-way the backend may have recorded it without processing it.
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class MessageWindow:
    """The messages of a ticket a memory came from, when no backend names one message.

    Filled by the context service (`helpdesk.memory.selectors.sources`) from `Source.until`;
    `first_number` and `last_number` count the ticket's messages from 1, for "messages 3-7"."""

    message_ids: tuple[int, ...]
    first_number: int
    last_number: int


@dataclass(frozen=True)
class Source:
    """Where a memory came from, so the page can link to it."""

    ticket_id: int | None = None
    message_id: int | None = None
    # A memory with no message id (EverMemOS v1) came from the ticket's messages up to
    # this time: the context service finds them in our own table.
    until: datetime.datetime | None = None
    # Those messages, once found; `message_id` is then the window's first message.
    window: MessageWindow | None = None


# What the context service asks a backend with, at most: characters of text, and the customer's
# first messages of a ticket joined (the embedded engine embeds those texts when written).
QUERY_MAX_CHARS = 2_000
QUERY_MAX_MESSAGES = 20

# How the pages name a profile fact's kind (the offline extractor's categories and others').
PROFILE_LABELS = {
    "device": "Device",
    "os": "OS",
    "plan": "Plan",
    "location": "Location",
    "contact": "Contact",
    "language": "Language",
    "work": "Work",
    "skill": "Skill",
    "tone": "Tone",
    "preference": "Preference",
    "fact": "Fact",
    "trait": "Trait",
    "agent note": "Agent note",
}


def profile_label(kind: str) -> str:
    """A profile fact's kind as the pages show it: "Device", "OS"; another backend's own kind
    ("explicit_info") with its first letter capitalised."""
    if kind in PROFILE_LABELS:
        return PROFILE_LABELS[kind]
    words = kind.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Fact"


@dataclass(frozen=True)
class ProfileFact:
    text: str
    kind: str  # "device", "plan", "fact", "preference", "trait", "agent note", ...
    source: Source = field(default_factory=Source)
    memory_id: str = ""

    @property
    def label(self) -> str:
        return profile_label(self.kind)


@dataclass(frozen=True)
class TicketMemory:
    text: str
    created_at: datetime.datetime | None
    source: Source = field(default_factory=Source)
    memory_id: str = ""


@dataclass(frozen=True)
class TicketMatch:
    """A past ticket of the same customer that matches a query."""

    ticket_id: int
    score: float
    snippet: str
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class BackendHealth:
    ok: bool
    backend: str
    detail: str = ""


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting a customer left on the memory service: kinds of data no call of
    its API deletes (empty when everything went). Shown on the customer's erasure record."""

    kept: tuple[str, ...] = ()


class MemoryBackendError(Exception):
    """A backend call failed. `retryable` tells the worker whether to try again."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status  # the HTTP status a remote backend answered, when it answered
