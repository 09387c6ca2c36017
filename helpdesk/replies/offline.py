"""Drafts and handoffs written without a language model: deterministic, from the same material.

Everything here reads masked material, so whatever it quotes is already filtered.
"""

from __future__ import annotations

import re

from helpdesk.replies import sentiment
from helpdesk.replies.masking import AGENT_NAME, FIRST_NAME, PLACEHOLDER
from helpdesk.replies.material import AGENT, BOT, CUSTOMER, Material, PastTicket
from helpdesk.words import tokenize

QUOTE_CHARS = 240
MIN_SHARED_WORDS = 1
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_THANKS = re.compile(
    r"\b(thanks?|thank you|thx|cheers|appreciate|that'?s all|that worked|it works|all good"
    r"|sorted|fixed|solved|resolved|great|perfect)\b",
    re.IGNORECASE,
)
_ACTION = re.compile(
    r"\b(try|tried|restart|reboot|reset|reinstall|update|upgrade|check|clear|send|sent|refund"
    r"|replace|replaced|escalat\w*|cancel\w*|follow (these|the) steps|go to|click|turn|switch"
    r"|we('ve| have)|i('ve| have)|please)\b",
    re.IGNORECASE,
)
_ADDRESSING = re.compile(r"^(?:@\w+[\s,:]*)+")  # a reply's leading @handles (tweets, chats)
_LINK = re.compile(r"https?://\S+|www\.\S+")
MAX_LINKS = 2


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCES.split(" ".join(text.split())) if part.strip()]


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """Whole sentences up to `limit` characters, else a cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# How a sentence or a question starts, rather than a topic: a question word, an auxiliary
# verb, a first-person pronoun, a greeting ("why are none of my videos…", "I can't log in",
# "Hey team"). Such a subject is the customer's own words: a draft does not repeat them.
_STARTS = """
    what whats what's why how when where who whom whose which is are was were am do does did
    can cant can't could couldn't would wouldn't will won't should shall may might must have
    has had haven't hasn't isn't aren't don't doesn't didn't i i'm im i've ive i'd id i'll me
    my mine we we're we've our ours us hi hey hello dear hiya yo please help pls plz thanks
    thank anyone somebody someone so and but why's how's
"""
_SENTENCE_STARTS = frozenset(_STARTS.split())
MAX_TOPIC_CHARS = 60
MAX_TOPIC_WORDS = 8


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def reads_like_topic(subject: str, customer_texts: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a subject names a topic ("Router keeps dropping") rather than being a sentence or
    question from the customer ("why are none of my videos…?", "I can't log in", a message's
    first words), or holding personal data (a mask)."""
    subject = " ".join(subject.split())
    words = subject.split()
    if not words or len(subject) > MAX_TOPIC_CHARS or len(words) > MAX_TOPIC_WORDS:
        return False
    if PLACEHOLDER.search(subject) or "…" in subject or "..." in subject:
        return False
    if re.search(r"[?!]|https?://|www\.|@\w", subject):
        return False
    if len(re.findall(r"[.,;:]", subject.rstrip("."))) > 1:
        return False
    first = re.sub(r"[^\w']", "", words[0].replace("\u2019", "'")).casefold()
    if first in _SENTENCE_STARTS:
        return False
    # A subject cut from the customer's message (mail gateways, chats) is their own words.
    said = _normalised(subject)
    return len(said.split()) < 3 or not any(
        _normalised(text).startswith(said) for text in customer_texts
    )


def topic(material: Material) -> str:
    """The subject as a topic, in quotes and with its case left alone (brand names, acronyms):
    "“Router keeps dropping”"; or "" when it does not read like one (`reads_like_topic`)."""
    customer_texts = [turn.text for turn in material.customer_turns]
    if not reads_like_topic(material.subject, customer_texts):
        return ""
    return f"“{' '.join(material.subject.split()).rstrip('.')}”"


def _thanks_and_done(text: str) -> bool:
    """The customer's newest message closes the conversation ("Thanks, that worked!")."""
    return (
        "?" not in text
        and len(text) < 200
        and bool(_THANKS.search(text))
        and sentiment.sentiment_of(text).label != sentiment.NEGATIVE
    )


def _content_words(text: str) -> set[str]:
    return {word for word in tokenize(PLACEHOLDER.sub(" ", text)) if len(word) > 2}


def _helpful_past(material: Material, allowed: frozenset[str] = frozenset()) -> PastTicket | None:
    """The best-matching past ticket with an answer from our side that is about the same thing.

    The memory backend ranks every past ticket, however weak the match; a draft only cites
    one that is part of this ticket's recurring issue, or that shares at least
    `MIN_SHARED_WORDS` content words with what the customer wrote.
    """
    asked = _content_words(" ".join([material.subject, *(t.text for t in material.customer_turns)]))
    recurring = {ref for item in material.recurring for ref in item.references}
    for past in material.past_tickets[:3]:
        if not quote(past.resolution, allowed)[0]:
            continue  # no answer, or nothing of it to quote without personal data
        about = _content_words(" ".join([past.subject, past.snippet, past.summary]))
        if past.reference in recurring or len(asked & about) >= MIN_SHARED_WORDS:
            return past
    return None


def _free(text: str, allowed: frozenset[str]) -> bool:
    """No placeholder in `text` but those in `allowed` (names that are put back)."""
    return all(tag in allowed for tag in PLACEHOLDER.findall(text))


def quote(resolution: str, allowed: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """What we answered then, to quote: without its @addressing (the customer's handle), cut
    to whole sentences, without the sentences that hold personal data (a mask; `allowed` are
    masks whose value is put back); and the links that the cut left out (also those of a
    sentence left out for its personal data, when the link holds none), for the customer to
    follow. ("", []) when nothing is left to quote."""
    text = " ".join(resolution.split())
    text = _ADDRESSING.sub("", text) or text
    kept = " ".join(sentence for sentence in sentences(text) if _free(sentence, allowed))
    if not re.search(r"\w", kept):
        return "", []
    quoted = shorten(kept)
    if not _free(quoted, allowed):  # a cut inside one long sentence; keep none of it
        return "", []
    # A link of a sentence cut for its personal data still follows, when it holds none.
    links = dict.fromkeys(link.rstrip(".,;:!?)") for link in _LINK.findall(text))
    return quoted, [link for link in links if link not in quoted and _free(link, allowed)][
        :MAX_LINKS
    ]


def _recalled(past: PastTicket, material: Material, allowed: frozenset[str]) -> str:
    """How the draft names a past ticket: by its subject when that reads like a topic, else
    neutrally ("this before"), never quoting the customer or a mask."""
    when = past.created_at.strftime("%B %Y")
    customer_texts = [turn.text for turn in material.customer_turns]
    if reads_like_topic(past.subject, customer_texts) and _free(past.subject, allowed):
        subject = past.subject.strip().rstrip(".")
        return f"When you contacted us about “{subject}” ({past.reference}, {when})"
    return f"When you contacted us about this before ({past.reference}, {when})"


def reply(
    material: Material, *, allowed: frozenset[str] = frozenset()
) -> tuple[str, PastTicket | None]:
    """A draft reply, and the past ticket it cites (if any). It holds no placeholder but those
    in `allowed` (masks of names that are put back after drafting)."""
    lines = [f"Hi {FIRST_NAME},", ""]
    customer_texts = [turn.text for turn in material.customer_turns]
    about = topic(material)
    if not customer_texts:
        lines.append(f"I'm following up on your request{f' about {about}' if about else ''}.")
    elif _thanks_and_done(customer_texts[-1]):
        lines += [
            "Thank you for letting us know. I'm glad we could help.",
            "",
            "If anything else comes up, just reply here and we'll pick it up.",
            "",
            "Best regards,",
            AGENT_NAME,
        ]
        return "\n".join(lines), None
    else:
        lines.append(f"Thank you for getting in touch{f' about {about}' if about else ''}.")
        mood = sentiment.customer_sentiment(customer_texts).label
        if mood in (sentiment.NEGATIVE, sentiment.FRUSTRATED):
            lines[-1] += " I'm sorry for the trouble this is causing you."
    for item in material.recurring[:1]:
        if not _free(item.label, allowed):
            continue
        lines.append(
            f"I can see this is the {ordinal(item.count)} time you have contacted us about "
            f"{item.label or 'the same problem'}, so I'm looking at the whole history, not just "
            "this message."
        )
    past = _helpful_past(material, allowed)
    quoted, links = quote(past.resolution, allowed) if past is not None else ("", [])
    if past is not None and quoted:
        lines += [
            "",
            f"{_recalled(past, material, allowed)}, this is what we suggested:",
            f"“{quoted}”",
        ]
        if links:
            here = "Here is the link again" if len(links) == 1 else "Here are the links again"
            lines.append(f"{here}: {' '.join(links)}")
        lines.append("Could you try that again and let me know whether it helps?")
    elif customer_texts:
        past = None
        lines += ["", "I'm looking into this now and will get back to you as soon as I can."]
    else:
        past = None
        lines += ["", "Is there anything else you need from us on this?"]
    lines += ["", "Best regards,", AGENT_NAME]
    return "\n".join(lines), past


def attempted_solutions(material: Material, limit: int = 5) -> list[str]:
    """What our side already suggested or did, one sentence each."""
    found: list[str] = []
    for turn in material.turns:
        if turn.role not in (AGENT, BOT):
            continue
        for sentence in sentences(turn.text):
            if _ACTION.search(sentence) and len(sentence.split()) >= 4 and sentence not in found:
                found.append(shorten(sentence, 160))
    return found[-limit:]


def open_questions(material: Material, limit: int = 3) -> list[str]:
    """The customer's questions since our side last wrote."""
    questions: list[str] = []
    for turn in material.turns:
        if turn.role != CUSTOMER:
            questions = []  # answered (or at least seen) by the reply that follows
            continue
        questions += [shorten(s, 160) for s in sentences(turn.text) if s.endswith("?")]
    for item in material.recurring[:1]:
        what = item.label or "this problem"
        questions.append(f"Why does {what} keep coming back ({item.count} tickets so far)?")
    return questions[:limit]


def customer_summary(material: Material) -> str:
    parts = []
    if material.customer_since:
        parts.append(f"Customer since {material.customer_since.strftime('%B %Y')}")
    tickets = "ticket" if material.ticket_count == 1 else "tickets"
    parts.append(f"{material.ticket_count} {tickets} ({material.open_ticket_count} open)")
    summary = ", ".join(parts) + "."
    facts = [shorten(fact.text, 100).rstrip(".") for fact in material.profile[:3]]
    if facts:
        summary += " Known: " + "; ".join(facts) + "."
    return summary


def issue_summary(material: Material) -> str:
    customer_texts = [turn.text for turn in material.customer_turns]
    summary = f"{shorten(material.subject, 120).rstrip('.')}."
    if customer_texts:
        first = shorten(customer_texts[0], 200)
        summary += f" The customer wrote: “{first}”"
        if len(customer_texts) > 1:
            summary += f" Latest: “{shorten(customer_texts[-1], 200)}”"
    return summary


def history_line(past: PastTicket) -> str:
    if past.summary:
        return shorten(past.summary, 200)
    line = f"{shorten(past.subject, 90).rstrip('.')} ({past.status})"
    if past.resolution:
        line += f": {shorten(past.resolution, 140)}"
    return line
