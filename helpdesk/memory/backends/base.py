"""The one interface both memory backends implement."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from helpdesk.memory.types import (
    BackendHealth,
    DeliveryOutcome,
    ForgetResult,
    MessagePosted,
    ProfileFact,
    TicketClosed,
    TicketMatch,
    TicketMemory,
    TicketOpened,
    TicketQuiet,
)


@runtime_checkable
class BatchDelivery(Protocol):
    """Optional: a backend that takes one ticket's messages in one call (EverMemOS v1).

    `maybe_sent` says an earlier try of these messages may have reached the backend; one
    that does not de-duplicate must then check before sending again. Outcomes come back
    in the order of `events`.
    """

    batch_limit: int

    def deliver_messages(
        self, events: Sequence[MessagePosted], *, maybe_sent: bool
    ) -> list[DeliveryOutcome]: ...


class MemoryBackend(Protocol):
    """Writes are called by the outbox worker only; reads by the context service.

    Every method raises `MemoryBackendError` on failure, never anything else.
    Reads are always scoped to one customer.
    """

    name: str

    def deliver_ticket_opened(self, event: TicketOpened) -> DeliveryOutcome: ...

    def deliver_message(self, event: MessagePosted) -> DeliveryOutcome: ...

    def deliver_ticket_closed(self, event: TicketClosed) -> DeliveryOutcome: ...

    def deliver_ticket_quiet(self, event: TicketQuiet) -> DeliveryOutcome: ...

    def customer_profile(self, *, customer_id: str, query: str = "") -> list[ProfileFact]: ...

    def ticket_memories(self, *, customer_id: str, group_id: str) -> list[TicketMemory]: ...

    def related_tickets(
        self,
        *,
        customer_id: str,
        query: str,
        exclude_group_id: str | None = None,
        limit: int = 10,
        query_time: datetime.datetime | None = None,
    ) -> list[TicketMatch]:
        """Past tickets of the customer for `query`; `query_time` is "now" for dates in it."""
        ...

    def recurring_candidates(
        self, *, customer_id: str, query: str, group_id: str | None = None, limit: int = 10
    ) -> list[TicketMatch]:
        """Other tickets of the customer about the same problem as `query`, the text of the
        ticket whose group is `group_id` (never returned itself); most confident first.

        A claim, not a ranking: usually empty. Each backend applies its own rule, tuned for
        precision (a false "3rd time" costs more than a missed one).
        """
        ...

    def delete_memory(self, *, customer_id: str, memory_id: str) -> None: ...

    def forget_customer(self, *, customer_id: str) -> ForgetResult:
        """Delete what the backend holds about the customer; say what it could not."""
        ...

    def health(self) -> BackendHealth: ...
