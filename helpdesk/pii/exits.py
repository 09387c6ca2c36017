"""Exits: every way a customer's text leaves the product, and which kinds each one masks.

The one place that decides. Every exit masks through `mask` (or asks `exit_kinds`) with
its name; none picks kinds of its own (a recurring issue's label, which reaches the model,
takes these kinds but checks names word by word itself: `helpdesk.memory.selectors.recurring`):

* ``LANGUAGE_MODEL``: prompts to the configured model (suggested replies, the bot,
  handoffs, the embedded engine's memory extraction). Every kind.
* ``MEMORY``: what the memory backend receives (the mirror's messages, group names and
  subjects; the searches of the context, the recurring check and memory corrections).
  Secrets always; contact details only when the operator asks (``MEMORY_MASK_CONTACTS``,
  passed in as ``mask_contacts``), since remembering how to reach a customer is the point.
* ``HANDOFF``: the handoff note of an escalation, its reason included, shown to agents and
  returned by the API. Every kind.
* ``EMAIL``: the notification e-mail to the agent a ticket is escalated to (its subject
  names the ticket's subject; its body is the handoff). Every kind.

A text bound for several exits (the material of a handoff goes to the model, into the
note and into the e-mail) is masked for all of them at once: `exit_kinds(A, B)` is the
union. Whatever the customer's record holds (``KnownIdentifiers``) is masked with the
kinds it belongs to; their external id always. No Django import: callers pass settings in.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from . import KnownIdentifiers, PlaceholderMap, Redaction, redact
from ._base import ALL, CONTACT_KINDS, SECRET_KINDS


class Exit(enum.Enum):
    LANGUAGE_MODEL = "language model"
    MEMORY = "memory backend"
    HANDOFF = "handoff"
    EMAIL = "notification e-mail"


@dataclass(frozen=True)
class Policy:
    """The kinds one exit masks: `always`, and `on_request` when the operator asks."""

    always: frozenset[str]
    on_request: frozenset[str] = frozenset()


POLICIES: Mapping[Exit, Policy] = MappingProxyType(
    {
        Exit.LANGUAGE_MODEL: Policy(always=ALL),
        Exit.MEMORY: Policy(always=SECRET_KINDS, on_request=CONTACT_KINDS),
        Exit.HANDOFF: Policy(always=ALL),
        Exit.EMAIL: Policy(always=ALL),
    }
)


def exit_kinds(*exits: Exit, mask_contacts: bool = False) -> frozenset[str]:
    """The kinds masked in a text bound for every one of `exits`.

    `mask_contacts` is the operator's choice for the exits that leave it to them (the
    memory backend: `MEMORY_MASK_CONTACTS`)."""
    if not exits:
        raise ValueError("Name the exit the text leaves by.")
    kinds: frozenset[str] = frozenset()
    for exit_ in exits:
        policy = POLICIES[exit_]
        kinds |= policy.always | (policy.on_request if mask_contacts else frozenset())
    return kinds


def mask(
    text: str,
    *exits: Exit,
    known: KnownIdentifiers | None = None,
    mask_contacts: bool = False,
    mapping: PlaceholderMap | None = None,
) -> Redaction:
    """`text` as it may leave by `exits`: their kinds masked, and the customer's `known`
    values of those kinds (their external id always); `mapping` shares placeholders."""
    kinds = exit_kinds(*exits, mask_contacts=mask_contacts)
    return redact(text, known=known, kinds=kinds, mapping=mapping)
