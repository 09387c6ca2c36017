"""What a customer message asks for, where the bot's hand-over rule needs to know."""

from __future__ import annotations

import re

_PERSON = (
    r"human|person|people|agent|representative|rep|manager|supervisor|someone|somebody"
    r"|operator|staff|employee|colleague"
)
ASKS_FOR_PERSON = re.compile(
    rf"\b(speak|talk|chat|get|put|connect|transfer|escalate)\w*\s+(me\s+)?(to|with|through to)?\s*"
    rf"(a|an|the|some|your|real|live|actual|\s)*\s*(real\s+|live\s+|actual\s+)?({_PERSON})\b"
    r"|\b(real|live|actual)\s+(human|person|agent)\b"
    r"|\bhuman being\b|\bnot (talk|speak)\w* to a (bot|robot|machine)\b|\bstop (the|this) bot\b"
    r"|\bno (more )?(bots?|robots?)\b|\bare you a (bot|robot|machine)\b"
    # German, French, Spanish, Italian, Dutch: "a person / an employee, please".
    r"|\b(mit einem|einen) (menschen|mitarbeiter|mitarbeiterin)\b"
    r"|\b(parler|discuter) (à|a|avec) (un|une|quelqu'un)"
    r"\s*(humain|conseiller|conseillère|personne)?"
    r"|\bhablar con (un|una|alguien)\s*(humano|persona|agente|asesor)?"
    r"|\bparlare con (un|una) (operatore|persona|umano)\b"
    r"|\b(met een) (mens|medewerker)\b",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """Whether the customer asks to talk to a human instead of the bot."""
    return bool(ASKS_FOR_PERSON.search(text))
