"""The load set: synthetic customers whose tickets replay real conversations (Recipe D).

Two pools of source tickets from ../shared/data (override with SHARED_DATA):
Twitter CDP conversations (short messages, the agent's resolving reply last)
and LoCoMo sessions (long ones, speaker A as the customer). Customer number
`i` of seed `s` is keyed `c = "s:i"`; it gets `T_c` tickets, uniform from 1 to
30 by `sha256("tickets:" + c)`, namely the `T_c` pool entries with the lowest
`sha256(c + ":" + pool_id)`, re-dated over the two years before
`REFERENCE_TIME`. Everything derives from sha256 of those keys, so customer
`i` is the same at every level: the 100-customer set is the start of the
1,000-customer set, which is the start of the 10,000-customer set.

The newest ticket of one customer in three is still open, waiting on the
customer's last message; every other ticket is resolved (one in ten closed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tickets.models import Message, Ticket
from tickets.services.bulk import ImportCustomer, ImportMessage, ImportTicket

DATA = Path(
    os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)
REFERENCE_TIME = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
HISTORY_DAYS = 730
MAX_TICKETS = 30
SUBJECT_LENGTH = 80

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Arjun",
    "Aylin",
    "Beatriz",
    "Bruno",
    "Chen",
    "Chloe",
    "Dario",
    "Dmitri",
    "Elena",
    "Emeka",
    "Eva",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jonas",
    "Julia",
    "Kofi",
    "Lars",
    "Leila",
    "Lucas",
    "Maja",
    "Mateo",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Sara",
    "Tomas",
    "Yuki",
)
LAST_NAMES = (
    "Adeyemi",
    "Andersen",
    "Bauer",
    "Novak",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Nielsen",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Torres",
    "Varga",
    "Wagner",
    "Weber",
    "Yilmaz",
    "Zhang",
    "Murphy",
    "Kaur",
    "Haas",
    "Lopez",
    "Meyer",
    "Morales",
    "Sato",
    "Brown",
    "Fernandes",
)


@dataclass(frozen=True)
class Turn:
    is_customer: bool
    author: str
    text: str
    offset: dt.timedelta


@dataclass(frozen=True)
class PoolTicket:
    pool_id: str
    turns: tuple[Turn, ...]


def _sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _number(text: str) -> int:
    return int.from_bytes(_sha(text)[:8], "big")


def _cdp_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cdp_pool() -> list[PoolTicket]:
    conversations = []
    for name in ("dev.devpart.json", "test.devpart.json"):
        conversations += json.loads((DATA / "twitter_cdp" / name).read_text())
    pool = []
    for conversation in conversations:
        header = conversation["dialogHeader"]
        company = header["company"]
        start = _cdp_time(header["conversationDateTime"])
        turns, last = [], dt.timedelta(0)
        for turn in conversation["dialogContent"]:
            last = max(last, _cdp_time(turn["datetime"]) - start)
            is_customer = "agent" not in turn
            author = "" if is_customer else company
            if turn["message"].strip():
                turns.append(Turn(is_customer, author, turn["message"], last))
        reply = conversation["agentURL"]["url_utterance"]
        turns.append(Turn(False, company, reply, last + dt.timedelta(minutes=10)))
        pool.append(PoolTicket(f"cdp:{header['sessionID']}", tuple(turns)))
    return pool


def _locomo_pool() -> list[PoolTicket]:
    pool = []
    for sample in json.loads((DATA / "locomo" / "locomo10.dev.json").read_text()):
        conversation = sample["conversation"]
        customer_speaker = conversation["speaker_a"]
        for key in conversation:
            if not re.fullmatch(r"session_\d+", key):
                continue
            turns = []
            for number, turn in enumerate(conversation[key]):
                text = turn.get("text", "")
                if turn.get("blip_caption"):
                    text += f" [image: {turn['blip_caption']}]"
                if not text.strip():
                    continue
                is_customer = turn["speaker"] == customer_speaker
                author = "" if is_customer else turn["speaker"]
                turns.append(Turn(is_customer, author, text, dt.timedelta(minutes=number)))
            pool.append(PoolTicket(f"locomo:{sample['sample_id']}:{key}", tuple(turns)))
    return pool


@cache
def source_pool() -> tuple[PoolTicket, ...]:
    """Every source ticket, in a fixed order (CDP conversations, then LoCoMo sessions)."""
    return tuple(_cdp_pool() + _locomo_pool())


def customer_key(index: int, seed: int = 0) -> str:
    return f"{seed}:{index}"


def customer_external_id(index: int, seed: int = 0) -> str:
    return "load-" + _sha("customer:" + customer_key(index, seed)).hex()[:20]


def ticket_count(index: int, seed: int = 0) -> int:
    return 1 + _number("tickets:" + customer_key(index, seed)) % MAX_TICKETS


def _subject(turns: tuple[Turn, ...]) -> str:
    first = next((turn.text for turn in turns if turn.is_customer), turns[0].text)
    text = " ".join(first.split())
    return text if len(text) <= SUBJECT_LENGTH else text[: SUBJECT_LENGTH - 1].rstrip() + "…"


def _ticket(
    source: PoolTicket, *, created_at: dt.datetime, is_open: bool, is_closed: bool
) -> ImportTicket:
    turns = source.turns
    if is_open:
        # Waiting on the customer's newest message: drop the replies after it.
        last_customer = max(
            (n for n, turn in enumerate(turns) if turn.is_customer), default=len(turns) - 1
        )
        turns = turns[: last_customer + 1]
    messages = tuple(
        ImportMessage(
            role=Message.Role.CUSTOMER if turn.is_customer else Message.Role.AGENT,
            body=turn.text,
            created_at=created_at + turn.offset,
            author_name=turn.author,
            external_id=f"{source.pool_id}#{number}",
        )
        for number, turn in enumerate(turns)
    )
    if is_open:
        status = Ticket.Status.OPEN
    else:
        status = Ticket.Status.CLOSED if is_closed else Ticket.Status.RESOLVED
    last = messages[-1].created_at if messages else created_at
    return ImportTicket(
        subject=_subject(turns),
        created_at=created_at,
        messages=messages,
        status=status,
        channel=Ticket.Channel.SOCIAL if source.pool_id.startswith("cdp:") else Ticket.Channel.CHAT,
        closed_at=None if is_open else last + dt.timedelta(hours=1),
    )


def load_customer(index: int, seed: int = 0) -> ImportCustomer:
    """Customer number `index` of the load set: the same at every level."""
    key = customer_key(index, seed)
    pool = source_pool()
    count = ticket_count(index, seed)
    chosen = heapq.nsmallest(count, pool, key=lambda source: _sha(f"{key}:{source.pool_id}"))
    first = FIRST_NAMES[_number("first:" + key) % len(FIRST_NAMES)]
    last = LAST_NAMES[_number("last:" + key) % len(LAST_NAMES)]
    gap = dt.timedelta(days=HISTORY_DAYS / MAX_TICKETS)
    is_open = _number("open:" + key) % 3 == 0
    tickets = []
    for number, source in enumerate(chosen):
        jitter = dt.timedelta(minutes=_number(f"time:{key}:{number}") % (12 * 60))
        created = REFERENCE_TIME - gap * (count - number) + jitter
        newest = number == count - 1
        tickets.append(
            _ticket(
                source,
                created_at=created,
                is_open=newest and is_open,
                is_closed=_number(f"closed:{key}:{number}") % 10 == 0,
            )
        )
    return ImportCustomer(
        external_id=customer_external_id(index, seed),
        name=f"{first} {last}",
        email=f"{first}.{last}.{index}@example.com".lower(),
        phone=f"+44 20 7946 {_number('phone:' + key) % 10_000:04d}",
        created_at=tickets[0].created_at - dt.timedelta(days=1),
        tickets=tuple(tickets),
    )


def load_set(*, customers: int, seed: int = 0, start: int = 0) -> Iterator[ImportCustomer]:
    for index in range(start, customers):
        yield load_customer(index, seed)
