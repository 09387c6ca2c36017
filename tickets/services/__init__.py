"""Every write to tickets, messages and handoffs goes through these functions.

- `tickets`: create a ticket, change its status, priority or assignee, close it.
- `messages`: record a message on a ticket.
- `batch`: record many messages, each on its ticket, with an outcome per message.
- `escalation`: hand a ticket to a human agent with a written handoff.
- `bulk`: import many customers with their tickets and messages at once.
"""

from tickets.services.batch import BatchMessage, BatchOutcome, message_record_batch
from tickets.services.escalation import (
    NoAgentAvailableError,
    agent_by_username,
    escalation_check,
    next_available_agent,
    ticket_escalate,
)
from tickets.services.macros import macro_apply, macro_render
from tickets.services.messages import RecordedMessage, message_record
from tickets.services.tags import ticket_set_tags
from tickets.services.tickets import (
    Actor,
    TicketConflictError,
    actor_or_none,
    ticket_assign,
    ticket_change_priority,
    ticket_change_status,
    ticket_close,
    ticket_create,
    ticket_event_record,
    ticket_status_set,
)
from tickets.services.validation import tags_clean, tags_same, tags_text

__all__ = [
    "Actor",
    "BatchMessage",
    "BatchOutcome",
    "NoAgentAvailableError",
    "RecordedMessage",
    "TicketConflictError",
    "actor_or_none",
    "agent_by_username",
    "escalation_check",
    "macro_apply",
    "macro_render",
    "message_record",
    "message_record_batch",
    "next_available_agent",
    "tags_clean",
    "tags_same",
    "tags_text",
    "ticket_assign",
    "ticket_change_priority",
    "ticket_change_status",
    "ticket_close",
    "ticket_create",
    "ticket_escalate",
    "ticket_event_record",
    "ticket_set_tags",
    "ticket_status_set",
]
