"""The chat bot: answer the customer with a draft, or hand over to a person.

It hands over when the customer asks for a person, when the ticket's issue has
come back across tickets, or when the customer's mood is frustrated (or negative
after the bot already answered once). Otherwise the PII-filtered draft is stored
as a `bot` message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from helpdesk.assist.drafts import ticket_material
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.replies import composer, intents, sentiment
from helpdesk.replies.material import BOT, Material
from tickets.models import Handoff, Message, Ticket
from tickets.services import TicketConflictError, message_record, ticket_escalate

BOT_NAME = "Helpdesk bot"
HANDOVER_TEXT = (
    "I'm passing your conversation to a colleague from our support team, who has the full "
    "history and will reply here as soon as possible."
)


@dataclass(frozen=True)
class BotOutcome:
    message: Message  # what the bot posted: the answer, or the hand-over note
    draft: composer.Draft | None = None
    handoff: Handoff | None = None

    @property
    def escalated(self) -> bool:
        return self.handoff is not None


def handover_reason(material: Material) -> str:
    """Why the bot should not answer this itself, or "" when it may."""
    newest = material.newest_customer_text
    if intents.asks_for_person(newest):
        return "The customer asked for a person."
    for issue in material.recurring:
        if issue.count >= 2:
            named = f": {issue.label}" if issue.label else ""
            return f"The issue keeps coming back{named} ({issue.count} tickets)."
    mood = sentiment.customer_sentiment([turn.text for turn in material.customer_turns])
    bot_answered = any(turn.role == BOT for turn in material.turns)
    if mood.label == sentiment.FRUSTRATED or (mood.label == sentiment.NEGATIVE and bot_answered):
        return f"The customer's sentiment turned {mood.label}."
    return ""


def _waiting_message(ticket: Ticket) -> Message:
    """The customer message the bot would answer: the ticket's newest, when it is the customer's."""
    if ticket.status in (Ticket.Status.CLOSED, Ticket.Status.ESCALATED):
        raise TicketConflictError(
            f"{ticket.reference} is {ticket.status}; the bot does not answer it."
        )
    newest = (
        Message.objects.conversation().filter(ticket=ticket).order_by("-created_at", "-id").first()
    )
    if newest is None or newest.role != Message.Role.CUSTOMER:
        raise TicketConflictError(
            f"{ticket.reference} has no customer message waiting for an answer."
        )
    return newest


def _lock_still_waiting(ticket: Ticket, waiting: Message) -> None:
    """Lock the ticket row for the caller's transaction; `waiting` must still be unanswered.

    The answer is composed without the lock (it may wait for the language model), so a
    concurrent call may have answered meanwhile: checked again here, under the lock, each
    customer message gets exactly one answer or hand-over.
    """
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if _waiting_message(locked).pk != waiting.pk:
        raise TicketConflictError(
            f"{ticket.reference} has a newer customer message; ask the bot again."
        )


def ticket_bot_reply(*, ticket: Ticket) -> BotOutcome:
    waiting = _waiting_message(ticket)
    material = ticket_material(ticket=ticket, context=ticket_context(ticket=ticket))
    reason = handover_reason(material)
    if reason:
        written = composer.compose_handoff(material, reason=reason)
        with transaction.atomic():
            _lock_still_waiting(ticket, waiting)
            handoff = ticket_escalate(ticket=ticket, actor=None, reason=reason, handoff=written)
            note = message_record(
                ticket=ticket, role=Message.Role.BOT, body=HANDOVER_TEXT, author_name=BOT_NAME
            )
        return BotOutcome(message=note.message, handoff=handoff)
    draft = composer.compose_reply(material)
    with transaction.atomic():
        _lock_still_waiting(ticket, waiting)
        answer = message_record(
            ticket=ticket, role=Message.Role.BOT, body=draft.text, author_name=BOT_NAME
        )
    return BotOutcome(message=answer.message, draft=draft)
