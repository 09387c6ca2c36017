"""Opaque ids shared by every backend, and their way back to our rows.

Customer ids must stay opaque: EverMemOS drops profiles and episode copies for
owners whose id contains "robot" or "assistant", and uses "assistant" ids for
our side on purpose.
"""

from __future__ import annotations

import re

BOT_SENDER = "assistant_bot"
_TICKET_GROUP = re.compile(r"^ticket_(\d+)$")
_MESSAGE = re.compile(r"^msg_(\d+)$")


def customer_id(pk: int) -> str:
    return f"customer_{pk}"


def group_id(ticket_pk: int) -> str:
    return f"ticket_{ticket_pk}"


def message_id(message_pk: int) -> str:
    return f"msg_{message_pk}"


def agent_sender(user_pk: int) -> str:
    return f"assistant_agent_{user_pk}"


def closing_message_id(ticket_pk: int, sequence: int = 1) -> str:
    """The id of the note that ends a ticket's conversation; a reopened ticket closes again."""
    suffix = "" if sequence <= 1 else f"_{sequence}"
    return f"ticket_{ticket_pk}_closed{suffix}"


def quiet_message_id(ticket_pk: int, last_message_pk: int) -> str:
    """The id of the note that pauses a quiet ticket; a later message resets it."""
    return f"ticket_{ticket_pk}_quiet_{last_message_pk}"


def ticket_pk_from_group(value: str | None) -> int | None:
    match = _TICKET_GROUP.match(value or "")
    return int(match.group(1)) if match else None


def message_pk_from_id(value: str | None) -> int | None:
    match = _MESSAGE.match(value or "")
    return int(match.group(1)) if match else None


_CUSTOMER = re.compile(r"^customer_(\d+)$")


def customer_pk_from_id(value: str | None) -> int | None:
    match = _CUSTOMER.match(value or "")
    return int(match.group(1)) if match else None
