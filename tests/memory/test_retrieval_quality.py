"""Regression guard: on one LoCoMo history the ticket page's related tickets beat plain BM25.

The history goes in through the services and the mirror, and the questions are asked through
`ticket_context`, as on the ticket page. No timing is asserted; bench/retrieval.py measures the
full development sets.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import bm25s
import numpy as np
import pytest
from django.utils import timezone

from customers.services import customer_create
from helpdesk.memory.backends import get_backend, reset_backend
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.services.mirror import mirror_deliver_due
from tickets import services
from tickets.models import Message, Ticket

ROOT = Path(__file__).resolve().parents[2]
CONVERSATION = ROOT / "helpdesk" / "demo_data" / "locomo" / "conv-26.json"
QUESTIONS = ROOT / "tests" / "data" / "locomo_conv26_qa.json"
EVIDENCE = re.compile(r"D:?(\d+):(\d+)")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _when(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%I:%M %p on %d %B, %Y").replace(tzinfo=datetime.UTC)


def _sessions(conversation: dict) -> list[tuple[int, datetime.datetime, list[dict]]]:
    numbers = sorted(int(k.split("_")[1]) for k in conversation if re.fullmatch(r"session_\d+", k))
    return [
        (n, _when(conversation[f"session_{n}_date_time"]), conversation[f"session_{n}"])
        for n in numbers
    ]


def _turn_text(turn: dict) -> str:
    caption = turn.get("blip_caption")
    return turn["text"] + (f" [image: {caption}]" if caption else "")


def _gold(evidence: list[str]) -> set[int]:
    return {
        int(match[1])
        for item in evidence
        for part in re.split(r"[;\s]+", item)
        if (match := EVIDENCE.search(part))
    }


def _bm25_ranking(
    sessions: list[tuple[int, datetime.datetime, list[dict]]], query: str
) -> list[int]:
    numbers = [n for n, _, _ in sessions]
    corpus = [" ".join(_turn_text(t) for t in turns) for _, _, turns in sessions]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
    )
    tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    if not tokens.vocab:
        return []
    words = [word for word, _ in sorted(tokens.vocab.items(), key=lambda item: item[1])]
    order = np.argsort(-retriever.get_scores(words), kind="stable")
    return [numbers[i] for i in order]


def _hit(ranked: list[int], gold: set[int], k: int) -> float:
    return float(any(n in gold for n in ranked[:k]))


def test_related_tickets_beat_plain_bm25_on_a_locomo_history() -> None:
    reset_backend()
    conversation = json.loads(CONVERSATION.read_text())["conversation"]
    questions = json.loads(QUESTIONS.read_text())["qa"]
    sessions = _sessions(conversation)
    customer = customer_create(external_id="locomo-conv-26", name=conversation["speaker_a"])
    ticket_of: dict[int, int] = {}
    for number, when, turns in sessions:
        ticket = services.ticket_create(
            customer=customer, subject=f"Session {number}", created_at=when
        )
        ticket_of[ticket.pk] = number
        for offset, turn in enumerate(turns):
            is_customer = turn["speaker"] == conversation["speaker_a"]
            services.message_record(
                ticket=ticket,
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=_turn_text(turn),
                created_at=when + datetime.timedelta(minutes=offset),
                author_name="" if is_customer else turn["speaker"],
                external_id=turn["dia_id"],
            )
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
    asking = services.ticket_create(
        customer=customer,
        subject="A question",
        created_at=sessions[-1][1] + datetime.timedelta(days=1),
    )
    while mirror_deliver_due(get_backend(), limit=500).attempted:
        pass
    assert timezone.is_aware(asking.created_at)

    ours = {1: [], 5: []}
    plain = {1: [], 5: []}
    for question in questions:
        gold = _gold(question["evidence"])
        context = ticket_context(ticket=asking, query=question["question"])
        ranked = [ticket_of[related.ticket_id] for related in context.related_tickets]
        baseline = _bm25_ranking(sessions, question["question"])
        for k in (1, 5):
            ours[k].append(_hit(ranked, gold, k))
            plain[k].append(_hit(baseline, gold, k))

    ours_at_1, plain_at_1 = np.mean(ours[1]), np.mean(plain[1])
    ours_at_5, plain_at_5 = np.mean(ours[5]), np.mean(plain[5])
    assert ours_at_1 > plain_at_1, (ours_at_1, plain_at_1)
    assert ours_at_5 >= plain_at_5, (ours_at_5, plain_at_5)
