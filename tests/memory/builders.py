"""Memory events as the outbox worker builds them, with defaults for tests."""

from __future__ import annotations

import datetime

from helpdesk.memory import ids
from helpdesk.memory.types import MessagePosted, Participant, Speaker, TicketClosed, TicketOpened

OPENED_AT = datetime.datetime(2026, 3, 1, 9, 15, tzinfo=datetime.UTC)
CUSTOMER = ids.customer_id(7)
OTHER_CUSTOMER = ids.customer_id(8)
AGENT = Participant(id=ids.agent_sender(3), name="Maria Garcia", speaker=Speaker.ASSISTANT)


def customer_participant(customer_id: str = CUSTOMER, name: str = "Jane Roe") -> Participant:
    return Participant(id=customer_id, name=name, speaker=Speaker.USER)


def ticket_opened(
    ticket_pk: int = 42, *, customer_id: str = CUSTOMER, name: str = "#42 Printer offline"
) -> TicketOpened:
    return TicketOpened(
        group_id=ids.group_id(ticket_pk),
        ticket_id=ticket_pk,
        customer_id=customer_id,
        name=name,
        created_at=OPENED_AT,
        participants=(customer_participant(customer_id), AGENT),
    )


def message_posted(
    message_pk: int = 981,
    *,
    ticket_pk: int = 42,
    customer_id: str = CUSTOMER,
    sender: Participant | None = None,
    content: str = "My printer shows offline since this morning.",
    created_at: datetime.datetime = OPENED_AT,
) -> MessagePosted:
    return MessagePosted(
        message_id=ids.message_id(message_pk),
        group_id=ids.group_id(ticket_pk),
        group_name=f"#{ticket_pk} Printer offline",
        ticket_id=ticket_pk,
        customer_id=customer_id,
        sender=sender or customer_participant(customer_id),
        content=content,
        created_at=created_at,
    )


def ticket_closed(
    ticket_pk: int = 42, *, customer_id: str = CUSTOMER, status: str = "resolved"
) -> TicketClosed:
    return TicketClosed(
        group_id=ids.group_id(ticket_pk),
        ticket_id=ticket_pk,
        customer_id=customer_id,
        status=status,
        closed_at=OPENED_AT + datetime.timedelta(hours=2),
    )
