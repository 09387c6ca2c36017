"""Suggested replies and handoff material: a ticket and its memory context, for the composer.

Reading is bounded: the newest messages of the ticket, the top past tickets with
our last answer on each (one query), and two counts.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Q

from customers.selectors import customer_known_identifiers
from helpdesk.memory.selectors.context import TicketContext, ticket_context
from helpdesk.replies import composer
from helpdesk.replies.llm import language_model
from helpdesk.replies.material import Fact, Material, Recurrence, Turn
from tickets.models import Message, Ticket

MAX_TURNS = 30
MAX_PAST = 3
DRAFT_REUSE_SECONDS = 600
MIN_ANSWER_WORDS = 6
MAX_ANSWERS_READ = 40


def _agent_first_name(user: AbstractBaseUser | AnonymousUser | None) -> str:
    if user is None or not user.is_authenticated:
        return ""
    return getattr(user, "first_name", "") or user.get_username()


def _our_last_answers(ticket_ids: list[int]) -> dict[int, str]:
    """Each past ticket's newest substantial agent or bot message: what we told the customer.

    Sign-offs ("Have a great night!") are skipped: a draft quotes the answer, not the goodbye.
    """
    answers: dict[int, str] = {}
    rows = (
        Message.objects.filter(
            ticket_id__in=ticket_ids, role__in=[Message.Role.AGENT, Message.Role.BOT]
        )
        .order_by("ticket_id", "-created_at", "-id")
        .values_list("ticket_id", "body")[: MAX_ANSWERS_READ * max(len(ticket_ids), 1)]
    )
    for ticket_id, body in rows:
        if ticket_id not in answers and len(body.split()) >= MIN_ANSWER_WORDS:
            answers[ticket_id] = body
    return answers


def _recurring(context: TicketContext) -> tuple[Recurrence, ...]:
    """The recurring issue this ticket belongs to, counted up to this ticket."""
    issue = context.recurring_for_ticket
    if issue is None:
        return ()
    references = tuple(Ticket(pk=pk).reference for pk in issue.ticket_ids)
    return (Recurrence(issue.label, references, issue.position or issue.count),)


def ticket_material(
    *,
    ticket: Ticket,
    context: TicketContext,
    agent: AbstractBaseUser | AnonymousUser | None = None,
) -> Material:
    customer = ticket.customer
    messages = list(
        Message.objects.conversation()
        .filter(ticket=ticket)
        .order_by("-created_at", "-id")[:MAX_TURNS]
    )[::-1]
    related = context.related_tickets[:MAX_PAST]
    answers = _our_last_answers([item.ticket_id for item in related])
    counts = Ticket.objects.filter(customer_id=customer.pk).aggregate(
        total=Count("id"), active=Count("id", filter=Q(status__in=Ticket.ACTIVE_STATUSES))
    )
    return Material(
        ticket_id=ticket.pk,
        reference=ticket.reference,
        subject=ticket.subject,
        customer_first_name=customer.first_name,
        known=customer_known_identifiers(customer),
        turns=tuple(
            Turn(role=m.role, text=m.body, created_at=m.created_at, message_id=m.pk)
            for m in messages
        ),
        profile=tuple(
            Fact(f.text, f.kind, f.source.ticket_id, f.source.message_id) for f in context.profile
        ),
        ticket_memories=tuple(
            Fact(m.text, "memory", m.source.ticket_id, m.source.message_id)
            for m in context.ticket_memories
        ),
        past_tickets=tuple(
            replace(item, resolution=answers.get(item.ticket_id, "")) for item in related
        ),
        recurring=_recurring(context),
        customer_since=customer.created_at.date(),
        ticket_count=counts["total"],
        open_ticket_count=counts["active"],
        agent_first_name=_agent_first_name(agent),
    )


def ticket_suggested_reply(
    *,
    ticket: Ticket,
    agent: AbstractBaseUser | AnonymousUser | None = None,
    reuse: bool = False,
) -> composer.Draft:
    """A draft reply for the agent, written from the ticket's memory context, PII masked.

    When the newest message is our side's (an agent's or the bot's), there is nothing to
    answer until the customer writes again: the draft is empty and says so
    (`Draft.waiting_for_customer`).

    With `reuse`, a draft the language model wrote for the same newest message and agent in
    the last `DRAFT_REUSE_SECONDS` is served again: opening a ticket twice costs one model
    call ("Regenerate" asks for a fresh one).
    """
    newest = (
        Message.objects.conversation()
        .filter(ticket=ticket)
        .order_by("-created_at", "-id")
        .values_list("pk", "role")
        .first()
    )
    if newest is not None and newest[1] in (Message.Role.AGENT, Message.Role.BOT):
        return composer.Draft.waiting()  # our side wrote last: follow the conversation
    key = None
    if reuse and language_model() is not None:
        newest_pk = newest[0] if newest is not None else None
        key = f"suggested-reply:{ticket.pk}:{newest_pk}:{getattr(agent, 'pk', None)}"
        cached = cache.get(key)
        if cached is not None:
            return cached
    context = ticket_context(ticket=ticket)
    draft = composer.compose_reply(ticket_material(ticket=ticket, context=context, agent=agent))
    if key is not None and draft.composer == composer.LLM:
        cache.set(key, draft, DRAFT_REUSE_SECONDS)
    return draft
