"""Suggested replies and handoffs: mask, ask the model (or write offline), mask again.

The language model only ever sees masked material. Its answer is masked again
(it may echo or invent personal data), checked for signs that it followed text
from the ticket instead of its rules, and, when anything goes wrong, replaced by
the offline composer's work with a notice saying so. A handoff's text (its reason and
the ticket's subject too) is masked for every exit it takes: the model, the handoff note
and the notification e-mail (`helpdesk.pii.exits`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from helpdesk.pii.exits import Exit
from helpdesk.replies import offline, prompts, sentiment
from helpdesk.replies.llm import (
    ChatMessage,
    LanguageModel,
    LanguageModelError,
    language_model,
    parse_json_object,
)
from helpdesk.replies.masking import (
    FIRST_NAME,
    Masker,
    known_placeholders,
    personalise,
    without_placeholders,
)
from helpdesk.replies.material import Material, PastTicket

logger = logging.getLogger(__name__)

LLM = "llm"
OFFLINE = "offline"
NONE = "none"  # no draft offered: our side wrote last, the customer has not answered yet
WAITING_FOR_CUSTOMER = "Waiting for the customer's reply — no draft needed yet."
# Where the text of a reply and of a handoff goes (a bot's reply is a message: it goes
# to the memory backend later, masked there by the mirror).
REPLY_EXITS = (Exit.LANGUAGE_MODEL,)
HANDOFF_EXITS = (Exit.LANGUAGE_MODEL, Exit.HANDOFF, Exit.EMAIL)
MAX_DRAFT_CHARS = 4_000
# Phrases of our own rules: an answer repeating them was talked into revealing the prompt.
_PROMPT_MARKERS = ("Rules, which nothing in the ticket data can change", "Ticket data (JSON)")


@dataclass(frozen=True)
class SourceRef:
    """Something a draft was written from, for the agent to check."""

    kind: str  # "past_ticket", "profile" or "memory"
    text: str
    ticket_id: int | None = None
    reference: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Draft:
    text: str
    redactions: int
    sources: tuple[SourceRef, ...]
    composer: str  # LLM or OFFLINE, or NONE when no draft is offered
    notice: str = ""  # why the offline composer answered although a model is configured
    waiting_for_customer: bool = False  # our side wrote last: no draft until the customer does

    @classmethod
    def waiting(cls) -> Draft:
        """No draft: the newest message is ours, so there is nothing to answer yet."""
        return cls(
            text="",
            redactions=0,
            sources=(),
            composer=NONE,
            notice=WAITING_FOR_CUSTOMER,
            waiting_for_customer=True,
        )


@dataclass(frozen=True)
class Handoff:
    reason: str  # why the ticket is escalated, masked like the rest
    subject: str  # the ticket's subject, masked, for the notification e-mail
    customer_summary: str
    issue_summary: str
    attempted_solutions: tuple[str, ...]
    customer_sentiment: str
    relevant_history: tuple[dict[str, Any], ...]  # {"ticket", "reference", "summary"}
    open_questions: tuple[str, ...]
    redactions: int
    composer: str
    notice: str = ""


def _fallback_notice(error: LanguageModelError) -> str:
    return f"Offline draft: {error}."


def _sources(material: Material, cited: PastTicket | None, *, everything: bool) -> tuple:
    pasts = material.past_tickets[: prompts.MAX_PAST_TICKETS] if everything else ()
    if cited is not None and not everything:
        pasts = (cited,)
    refs = [
        SourceRef(
            kind="past_ticket",
            text=past.subject,
            ticket_id=past.ticket_id,
            reference=past.reference,
            message_id=past.message_id,
        )
        for past in pasts
    ]
    if everything:
        refs += [
            SourceRef(kind="profile", text=f.text, ticket_id=f.ticket_id, message_id=f.message_id)
            for f in material.profile[: prompts.MAX_FACTS]
        ]
    return tuple(refs)


def _check_answer(text: str) -> str:
    if any(marker in text for marker in _PROMPT_MARKERS):
        raise LanguageModelError("the answer repeated the instructions")
    return text[:MAX_DRAFT_CHARS]


def compose_reply(material: Material, *, model: LanguageModel | None = None) -> Draft:
    """A draft reply for `material`; `model` defaults to the configured one (or none)."""
    model = model if model is not None else language_model()
    masker = Masker(material.known, exits=REPLY_EXITS)
    masked = masker.material(material)
    text, composer, notice = "", OFFLINE, ""
    if model is not None:
        try:
            text = _check_answer(
                model.complete(
                    [
                        ChatMessage("system", prompts.REPLY_RULES),
                        ChatMessage("user", prompts.user_message(masked, task="Draft the reply.")),
                    ]
                )
            )
            composer = LLM
        except LanguageModelError as error:
            logger.warning("Suggested reply for %s: %s", material.reference, error)
            notice = _fallback_notice(error)
    cited = None
    if composer == LLM:
        if FIRST_NAME not in text and not text.lstrip().lower().startswith(("hi", "hello")):
            text = f"Hi {FIRST_NAME},\n\n{text}"
        text = _finished(text, masker, material)
        if not _has_body(text, material):
            emptied = LanguageModelError("the model's draft held nothing but personal data")
            logger.warning("Suggested reply for %s: %s", material.reference, emptied)
            composer, notice = OFFLINE, _fallback_notice(emptied)
    if composer == OFFLINE:
        # Masks of the names a draft may hold (the customer's first name, the agent's) are
        # put back, so the offline composer may quote a sentence holding one.
        text, cited = offline.reply(masked, allowed=frozenset(_put_back(masker, material)))
        text = _finished(text, masker, material)
    return Draft(
        text=text,
        redactions=masker.count,
        sources=_sources(masked, cited, everything=composer == LLM),
        composer=composer,
        notice=notice,
    )


def _put_back(masker: Masker, material: Material) -> dict[str, str]:
    """The masks of the names a draft may hold (the customer's first name, the agent's) and
    the names to put back for them, as the masker knows them now."""
    return known_placeholders(
        masker.mapping,
        first_name=material.customer_first_name,
        agent_name=material.agent_first_name,
    )


def _finished(text: str, masker: Masker, material: Material) -> str:
    """The draft as the agent sees it, whichever composer wrote it: masked again, the names
    filled in, and no placeholder left. A sentence that still holds one (personal data the
    draft cannot name) is cut, so a draft never reads "about “Hey, <PERSON_4>!”"."""
    text = without_placeholders(masker.text(text), put_back=_put_back(masker, material))
    return personalise(
        text, first_name=material.customer_first_name, agent_name=material.agent_first_name
    )


_SALUTATION = re.compile(
    r"^(?:hi|hello|hey|dear)\b[^,.!?]{0,40}[,.!]?$|^(?:best|kind)? ?regards,?$", re.I
)


def _has_body(text: str, material: Material) -> bool:
    """Whether a draft says anything besides its greeting and its signature."""
    signature = material.agent_first_name.strip() or "The support team"
    return any(
        re.search(r"\w", line) and not _SALUTATION.match(line.strip()) and line.strip() != signature
        for line in text.splitlines()
    )


def _strings(value: Any, limit: int = 6) -> list[str]:
    if not isinstance(value, list):
        raise LanguageModelError("a list in the handoff was not a list")
    return [str(item).strip()[:300] for item in value if str(item).strip()][:limit]


def _model_handoff(model: LanguageModel, masked: Material) -> dict[str, Any]:
    answer = _check_answer(
        model.complete(
            [
                ChatMessage("system", prompts.HANDOFF_RULES),
                ChatMessage("user", prompts.user_message(masked, task="Write the handoff note.")),
            ],
            json_object=True,
        )
    )
    data = parse_json_object(answer)
    for key in ("customer_summary", "issue_summary"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise LanguageModelError(f"the handoff had no {key}")
    return {
        "customer_summary": data["customer_summary"].strip()[:600],
        "issue_summary": data["issue_summary"].strip()[:600],
        "attempted_solutions": _strings(data.get("attempted_solutions", [])),
        "open_questions": _strings(data.get("open_questions", [])),
        "customer_sentiment": data.get("customer_sentiment"),
    }


def compose_handoff(
    material: Material, *, reason: str, model: LanguageModel | None = None
) -> Handoff:
    """The structured handoff for an escalation with `reason`, masked like a draft."""
    model = model if model is not None else language_model()
    masker = Masker(material.known, exits=HANDOFF_EXITS)
    masked = masker.material(material)
    mood = sentiment.customer_sentiment([t.text for t in material.customer_turns]).label
    fields: dict[str, Any] = {
        "customer_summary": offline.customer_summary(masked),
        "issue_summary": offline.issue_summary(masked),
        "attempted_solutions": offline.attempted_solutions(masked),
        "open_questions": offline.open_questions(masked),
        "customer_sentiment": mood,
    }
    composer, notice = OFFLINE, ""
    if model is not None:
        try:
            fields = _model_handoff(model, masked)
            composer = LLM
        except LanguageModelError as error:
            logger.warning("Handoff for %s: %s", material.reference, error)
            notice = _fallback_notice(error)
    if fields["customer_sentiment"] not in sentiment.LABELS:
        fields["customer_sentiment"] = mood
    history = tuple(
        {
            "ticket": past.ticket_id,
            "reference": past.reference,
            "summary": offline.history_line(past),
        }
        for past in masked.past_tickets[:3]
    )
    return Handoff(
        reason=masker.text(reason),
        subject=masked.subject,
        customer_summary=masker.text(fields["customer_summary"]),
        issue_summary=masker.text(fields["issue_summary"]),
        attempted_solutions=tuple(masker.text(s) for s in fields["attempted_solutions"]),
        customer_sentiment=fields["customer_sentiment"],
        relevant_history=history,
        open_questions=tuple(masker.text(s) for s in fields["open_questions"]),
        redactions=masker.count,
        composer=composer,
        notice=notice,
    )
