"""Load the public demo data into an empty database.

Three small slices ship in `helpdesk/demo_data/` (see its SOURCES.md): the ABCD
sample chats, a pseudonymised slice of Twitter CDP and one LoCoMo conversation.
Every file is read and mapped first (so a broken file writes nothing), then
everything is written through the ordinary services, in one transaction, so
audit events and any other side effects happen exactly as in real use.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from customers.models import Customer
from customers.services import customer_create
from helpdesk.assist.escalation import ticket_escalate_with_handoff
from tickets.agents import agents_group_ensure
from tickets.models import Message, Ticket
from tickets.services import (
    message_record,
    ticket_assign,
    ticket_change_status,
    ticket_close,
    ticket_create,
)

DEMO_DATA_DIR = Path(settings.BASE_DIR) / "helpdesk" / "demo_data"
DEMO_URL = "http://127.0.0.1:8000/"
ADMIN_USERNAME = "admin"
AGENT_USERNAMES = ("maria", "jonas")
USER_PROFILES = {
    ADMIN_USERNAME: ("Demo", "Admin"),
    "maria": ("Maria", "Keller"),
    "jonas": ("Jonas", "Weber"),
}

ABCD_FILE = Path("abcd") / "abcd_sample.json"
TWITTER_FILE = Path("twitter_cdp") / "conversations.json"
LOCOMO_FILE = Path("locomo") / "conv-26.json"

SUBJECT_LENGTH = 60
EMAIL_MASK = "[email removed]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MENTION = re.compile(r"@\w+")
URL = re.compile(r"https?://\S+")
PSEUDONYM = re.compile(r"user_[0-9a-f]{8}")
LOCOMO_TIME_FORMAT = "%I:%M %p on %d %B, %Y"
PSEUDONYM_FIRST_NAMES = (
    "Alex", "Ari", "Avery", "Blake", "Cameron", "Casey", "Charlie", "Dana",
    "Drew", "Eden", "Emery", "Finley", "Frankie", "Harper", "Hayden", "Jamie",
    "Jesse", "Jordan", "Kai", "Kendall", "Lee", "Logan", "Morgan", "Noa",
    "Parker", "Quinn", "Reese", "Riley", "Robin", "Rowan", "Sam", "Skyler",
    "Taylor", "Toni", "Val", "Wren",
)  # fmt: skip

# (step, messages done, messages in the step): called while loading.
ProgressCallback = Callable[[str, int, int], None]


class DemoDataPresentError(Exception):
    """The database is not empty, so the demo is not loaded over it."""


class DemoDataError(ValueError):
    """A demo data file is missing or does not have the expected shape."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str = field(repr=False)
    role: str


@dataclass(frozen=True)
class DemoSetSummary:
    name: str
    customers: int
    tickets: int
    open_tickets: int
    messages: int


@dataclass(frozen=True)
class DemoSummary:
    sets: tuple[DemoSetSummary, ...]
    logins: tuple[DemoLogin, ...]
    api_token: str = field(repr=False)
    credentials_path: Path
    url: str = DEMO_URL

    @property
    def customers(self) -> int:
        return sum(item.customers for item in self.sets)

    @property
    def tickets(self) -> int:
        return sum(item.tickets for item in self.sets)

    @property
    def open_tickets(self) -> int:
        return sum(item.open_tickets for item in self.sets)

    @property
    def messages(self) -> int:
        return sum(item.messages for item in self.sets)


@dataclass(frozen=True)
class _MessagePlan:
    role: str
    body: str
    created_at: datetime.datetime
    external_id: str
    author_name: str = ""


@dataclass(frozen=True)
class _TicketPlan:
    subject: str
    channel: str
    created_at: datetime.datetime
    messages: tuple[_MessagePlan, ...]
    status: str = Ticket.Status.OPEN
    assignee: str | None = None
    escalation: str = ""  # why the chat itself escalated, if it did: escalated on load


@dataclass
class _CustomerPlan:
    external_id: str
    name: str
    email: str = ""
    phone: str = ""
    tickets: list[_TicketPlan] = field(default_factory=list)


@dataclass(frozen=True)
class _SetPlan:
    name: str
    customers: tuple[_CustomerPlan, ...]

    @property
    def message_count(self) -> int:
        return sum(len(t.messages) for c in self.customers for t in c.tickets)


def demo_credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo_credentials.txt"


def demo_database_has_customers() -> bool:
    return Customer.objects.exists()


def demo_credentials_read(*, path: Path | None = None) -> str | None:
    """The credentials file a previous load wrote, or None if there is none."""
    path = path or demo_credentials_path()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def demo_load(
    *,
    data_dir: Path,
    progress: ProgressCallback | None = None,
    credentials_path: Path | None = None,
    now: datetime.datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo customers, tickets and users.

    Raises `DemoDataError` for a missing or malformed file (before writing
    anything) and `DemoDataPresentError` when the database already has
    customers or the demo usernames.
    """
    now = now or timezone.now()
    credentials_path = credentials_path or demo_credentials_path()
    plans = (
        _abcd_plan(path=data_dir / ABCD_FILE, now=now),
        _twitter_plan(path=data_dir / TWITTER_FILE),
        _locomo_plan(path=data_dir / LOCOMO_FILE),
    )
    with transaction.atomic():
        _require_empty_database()
        users, logins, api_token = _users_create()
        summaries = tuple(_set_load(plan=plan, users=users, progress=progress) for plan in plans)
    summary = DemoSummary(
        sets=summaries, logins=logins, api_token=api_token, credentials_path=credentials_path
    )
    _credentials_write(summary=summary, now=now)
    return summary


def _require_empty_database() -> None:
    customers = Customer.objects.count()
    if customers:
        raise DemoDataPresentError(
            f"The database already has {customers} customer(s); the demo loads only into an "
            "empty database. Run `manage.py flush` first, or pass --if-empty to skip quietly."
        )
    usernames = [ADMIN_USERNAME, *AGENT_USERNAMES]
    taken = sorted(
        get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True)
    )
    if taken:
        raise DemoDataPresentError(
            f"User(s) {', '.join(taken)} already exist; the demo creates them itself. "
            "Rename or delete them first."
        )


def _users_create() -> tuple[dict[str, User], tuple[DemoLogin, ...], str]:
    user_model = get_user_model()
    group = agents_group_ensure()
    users: dict[str, User] = {}
    logins: list[DemoLogin] = []
    for username in (ADMIN_USERNAME, *AGENT_USERNAMES):
        first_name, last_name = USER_PROFILES[username]
        password = secrets.token_urlsafe(12)
        details = {
            "username": username,
            "email": f"{username}@example.com",
            "password": password,
            "first_name": first_name,
            "last_name": last_name,
        }
        if username == ADMIN_USERNAME:
            user = user_model.objects.create_superuser(**details)
            logins.append(DemoLogin(username=username, password=password, role="superuser"))
        else:
            user = user_model.objects.create_user(**details)
            user.groups.add(group)
            logins.append(DemoLogin(username=username, password=password, role="agent"))
        users[username] = user
    token = Token.objects.create(user=users[ADMIN_USERNAME])
    return users, tuple(logins), token.key


def _set_load(
    *, plan: _SetPlan, users: dict[str, User], progress: ProgressCallback | None
) -> DemoSetSummary:
    total = plan.message_count
    done = 0
    tickets = open_tickets = 0
    if progress:
        progress(plan.name, done, total)
    admin = users[ADMIN_USERNAME]
    with transaction.atomic():
        for customer_plan in plan.customers:
            customer = customer_create(
                external_id=customer_plan.external_id,
                name=customer_plan.name,
                email=customer_plan.email,
                phone=customer_plan.phone,
                created_at=min(
                    (t.created_at for t in customer_plan.tickets if t.created_at), default=None
                ),
            )
            for ticket_plan in customer_plan.tickets:
                ticket = ticket_create(
                    customer=customer,
                    subject=ticket_plan.subject,
                    channel=ticket_plan.channel,
                    created_at=ticket_plan.created_at,
                )
                for message in ticket_plan.messages:
                    message_record(
                        ticket=ticket,
                        role=message.role,
                        body=message.body,
                        created_at=message.created_at,
                        external_id=message.external_id,
                        author_name=message.author_name,
                    )
                    done += 1
                    if progress:
                        progress(plan.name, done, total)
                assignee = users[ticket_plan.assignee] if ticket_plan.assignee else None
                if assignee is not None:
                    ticket_assign(ticket=ticket, assignee=assignee, actor=admin)
                actor = assignee or admin
                if ticket_plan.status in Ticket.DONE_STATUSES:
                    ticket_close(ticket=ticket, status=ticket_plan.status, actor=actor)
                elif ticket_plan.status != ticket.status:
                    ticket_change_status(ticket=ticket, status=ticket_plan.status, actor=actor)
                if ticket_plan.escalation:
                    ticket_escalate_with_handoff(
                        ticket=ticket,
                        actor=actor,
                        reason=ticket_plan.escalation,
                        assign_to=AGENT_USERNAMES[-1],
                    )
                tickets += 1
                if ticket_plan.status in Ticket.ACTIVE_STATUSES:
                    open_tickets += 1
    return DemoSetSummary(
        name=plan.name,
        customers=len(plan.customers),
        tickets=tickets,
        open_tickets=open_tickets,
        messages=done,
    )


def _credentials_write(*, summary: DemoSummary, now: datetime.datetime) -> None:
    lines = [
        f"Helpdesk demo logins, created {now:%Y-%m-%d %H:%M} UTC. Keep this file private.",
        f"URL: {summary.url}",
        "",
        *(f"{login.username:<8} {login.password}  ({login.role})" for login in summary.logins),
        "",
        f"API token ({ADMIN_USERNAME}): {summary.api_token}",
        f'  curl -H "Authorization: Token {summary.api_token}" {summary.url}api/',
        "",
    ]
    path = summary.credentials_path
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    path.chmod(0o600)  # an older file keeps its mode through O_TRUNC


# Reading and mapping the files -------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoDataError(f"Demo data file {path} is missing.") from None
    except ValueError as error:
        raise DemoDataError(f"Demo data file {path} is not valid JSON: {error}") from None


def _mapped(path: Path, build: Callable[[Any], _SetPlan]) -> _SetPlan:
    data = _read_json(path)
    try:
        return build(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise DemoDataError(f"Demo data file {path} has an unexpected shape: {error!r}") from error


def _customers(plans: Iterable[_CustomerPlan]) -> tuple[_CustomerPlan, ...]:
    """Merge plans for the same external id, keeping the first one's details."""
    merged: dict[str, _CustomerPlan] = {}
    for plan in plans:
        if plan.external_id in merged:
            merged[plan.external_id].tickets.extend(plan.tickets)
        else:
            merged[plan.external_id] = plan
    return tuple(merged.values())


def _subject(text: str, *, fallback: str) -> str:
    text = " ".join(URL.sub(" ", MENTION.sub(" ", text)).split()).lstrip(" ,.:;-")
    if not text:
        return fallback
    if len(text) <= SUBJECT_LENGTH:
        return text
    cut = text[:SUBJECT_LENGTH].rsplit(" ", 1)[0] or text[:SUBJECT_LENGTH]
    return cut.rstrip(" ,.:;-") + "…"


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)


# ABCD: three customer-service chats with a full customer profile.


def _abcd_plan(*, path: Path, now: datetime.datetime) -> _SetPlan:
    def build(chats: list[dict[str, Any]]) -> _SetPlan:
        customers = []
        for index, chat in enumerate(chats):
            personal = chat["scenario"]["personal"]
            username = personal.get("username") or f"chat-{chat['convo_id']}"
            # Fresh work: the chats came in over the last few hours, oldest first.
            started_at = now - datetime.timedelta(minutes=47 * (len(chats) - index))
            ticket = _TicketPlan(
                subject=_abcd_subject(chat["scenario"]),
                channel=Ticket.Channel.CHAT,
                created_at=started_at,
                messages=_abcd_messages(chat=chat, started_at=started_at),
                escalation=_abcd_escalation(chat),
            )
            customers.append(
                _CustomerPlan(
                    external_id=f"abcd-{username}",
                    name=personal["customer_name"].strip().title(),
                    email=personal.get("email", ""),
                    phone=personal.get("phone", ""),
                    tickets=[ticket],
                )
            )
        return _SetPlan(name="ABCD sample chats", customers=_customers(customers))

    return _mapped(path, build)


def _abcd_escalation(chat: dict[str, Any]) -> str:
    """The chat's own agent handed it to a manager (an "action" turn says so)."""
    for speaker, text in chat["original"]:
        if speaker == "action" and "manager has been notified" in text.lower():
            return "The agent in the chat escalated to a manager, who is to call the customer."
    return ""


def _abcd_subject(scenario: dict[str, Any]) -> str:
    flow = scenario["flow"].replace("_", " ").strip().capitalize()
    subflow = re.sub(r"_\d+$", "", scenario["subflow"]).replace("_", " ").strip()
    return f"{flow}: {subflow}" if subflow else flow


def _abcd_messages(
    *, chat: dict[str, Any], started_at: datetime.datetime
) -> tuple[_MessagePlan, ...]:
    roles = {"customer": Message.Role.CUSTOMER, "agent": Message.Role.AGENT}
    messages = []
    sent_at = started_at
    for number, (speaker, text) in enumerate(chat["original"], start=1):
        if speaker not in roles or not text.strip():
            continue  # "action" turns are the agent's clicks, not messages
        # Roughly the time it takes to read the last line and type this one.
        sent_at += datetime.timedelta(seconds=8 + len(text) // 3)
        messages.append(
            _MessagePlan(
                role=roles[speaker],
                body=text.strip(),
                created_at=sent_at,
                external_id=f"abcd-{chat['convo_id']}-{number}",
                author_name="Support agent" if speaker == "agent" else "",
            )
        )
    return tuple(messages)


# Twitter CDP: short public customer-care threads, one customer each.


def twitter_pseudonym(handle: str) -> str:
    """The stable stand-in for a Twitter handle (see demo_data/SOURCES.md)."""
    if PSEUDONYM.fullmatch(handle):
        return handle
    return "user_" + hashlib.sha256(handle.lower().encode("utf-8")).hexdigest()[:8]


def twitter_scrub(text: str, *, handles: Iterable[str]) -> str:
    """Mask e-mail addresses and replace each customer handle by its pseudonym."""
    text = EMAIL.sub(EMAIL_MASK, text)
    for handle in sorted(set(handles), key=len, reverse=True):
        if not PSEUDONYM.fullmatch(handle):
            pattern = rf"(?<!\w){re.escape(handle)}(?!\w)"
            text = re.sub(pattern, twitter_pseudonym(handle), text, flags=re.IGNORECASE)
    return text


def _twitter_name(pseudonym: str) -> str:
    digest = hashlib.sha256(pseudonym.encode("utf-8")).digest()
    first = PSEUDONYM_FIRST_NAMES[digest[0] % len(PSEUDONYM_FIRST_NAMES)]
    return f"{first} {chr(ord('A') + digest[1] % 26)}."


def _twitter_time(value: str) -> datetime.datetime:
    return _aware(datetime.datetime.fromisoformat(value))


def _twitter_outcome(index: int) -> tuple[str, str | None]:
    """Most threads are resolved; every third stays open or pending, some unassigned."""
    if index % 3 != 1:
        return Ticket.Status.RESOLVED, AGENT_USERNAMES[index % 2]
    active = index // 3
    status = Ticket.Status.OPEN if active % 2 == 0 else Ticket.Status.PENDING
    assignee = None if active % 3 == 0 else AGENT_USERNAMES[active % 2]
    return status, assignee


def _twitter_plan(*, path: Path) -> _SetPlan:
    def build(conversations: list[dict[str, Any]]) -> _SetPlan:
        ordered = sorted(
            conversations,
            key=lambda c: (
                _twitter_time(c["dialogHeader"]["conversationDateTime"]),
                c["dialogHeader"]["sessionID"],
            ),
        )
        return _SetPlan(
            name="Twitter CDP threads",
            customers=_customers(
                _twitter_customer(conversation=c, index=i) for i, c in enumerate(ordered)
            ),
        )

    return _mapped(path, build)


def _twitter_customer(*, conversation: dict[str, Any], index: int) -> _CustomerPlan:
    header = conversation["dialogHeader"]
    company = header["company"]
    turns = conversation["dialogContent"]
    handles = [value for turn in turns for key, value in turn.items() if key.startswith("client")]
    if not handles:
        raise ValueError(f"conversation {header['sessionID']} has no customer turn")
    pseudonym = twitter_pseudonym(handles[0])
    messages = []
    for turn in turns:
        is_customer = any(key.startswith("client") for key in turn)
        messages.append(
            _MessagePlan(
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=twitter_scrub(turn["message"], handles=handles),
                created_at=_twitter_time(turn["datetime"]),
                external_id=turn["tweet_ID"],
                author_name="" if is_customer else f"@{turn.get('agent', company)}",
            )
        )
    reply = conversation["agentURL"]
    last_at = messages[-1].created_at if messages else _twitter_time(header["conversationDateTime"])
    replied_at = _twitter_time(reply["datetime"]) if reply.get("datetime") else last_at
    messages.append(
        _MessagePlan(
            role=Message.Role.AGENT,
            body=twitter_scrub(reply["url_utterance"], handles=handles),
            created_at=max(replied_at, last_at + datetime.timedelta(minutes=2)),
            external_id=reply["tweet_ID"],
            author_name=f"@{company}",
        )
    )
    first_customer = next(m.body for m in messages if m.role == Message.Role.CUSTOMER)
    status, assignee = _twitter_outcome(index)
    ticket = _TicketPlan(
        subject=_subject(first_customer, fallback=f"Message to @{company}"),
        channel=Ticket.Channel.SOCIAL,
        created_at=_twitter_time(header["conversationDateTime"]),
        messages=tuple(messages),
        status=status,
        assignee=assignee,
    )
    return _CustomerPlan(
        external_id=f"tw-{pseudonym}", name=_twitter_name(pseudonym), tickets=[ticket]
    )


# LoCoMo: one very long two-person history, a ticket per session.


def _locomo_plan(*, path: Path) -> _SetPlan:
    def build(sample: dict[str, Any]) -> _SetPlan:
        conversation = sample["conversation"]
        customer_name = conversation["speaker_a"]
        numbers = sorted(
            int(match.group(1))
            for key, value in conversation.items()
            if (match := re.fullmatch(r"session_(\d+)", key)) and value
        )
        if not numbers:
            raise ValueError("no sessions")
        tickets = [
            _locomo_ticket(
                turns=conversation[f"session_{number}"],
                date_time=conversation[f"session_{number}_date_time"],
                customer_name=customer_name,
                is_last=number == numbers[-1],
            )
            for number in numbers
        ]
        customer = _CustomerPlan(
            external_id=f"locomo-{sample['sample_id']}", name=customer_name, tickets=tickets
        )
        return _SetPlan(name=f"LoCoMo {sample['sample_id']}", customers=(customer,))

    return _mapped(path, build)


def _locomo_ticket(
    *, turns: list[dict[str, Any]], date_time: str, customer_name: str, is_last: bool
) -> _TicketPlan:
    started_at = datetime.datetime.strptime(date_time.strip(), LOCOMO_TIME_FORMAT).replace(
        tzinfo=datetime.UTC
    )
    messages = []
    for minute, turn in enumerate(turns):
        body = turn["text"].strip()
        if turn.get("blip_caption"):
            body = f"{body} [image: {turn['blip_caption']}]"
        is_customer = turn["speaker"] == customer_name
        messages.append(
            _MessagePlan(
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=body,
                created_at=started_at + datetime.timedelta(minutes=minute),
                external_id=turn["dia_id"],
                author_name=turn["speaker"],
            )
        )
    return _TicketPlan(
        subject=_subject(turns[0]["text"], fallback=f"Conversation on {date_time}"),
        channel=Ticket.Channel.CHAT,
        created_at=started_at,
        messages=tuple(messages),
        status=Ticket.Status.OPEN if is_last else Ticket.Status.RESOLVED,
        assignee=AGENT_USERNAMES[0],
    )
