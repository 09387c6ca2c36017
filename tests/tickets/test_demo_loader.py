"""The demo loader, run on a tiny slice cut from the shipped demo data."""

from __future__ import annotations

import datetime
import io
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from customers.models import Customer
from helpdesk.demo_data.loader import (
    DEMO_DATA_DIR,
    DemoDataError,
    DemoSummary,
    demo_load,
    twitter_pseudonym,
)
from tickets.models import Handoff, Message, Ticket, TicketEvent
from tickets.selectors import AGENTS_GROUP, is_agent

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
RAW_HANDLE = "JaneQPublic1984"
RAW_EMAIL = "jane.public@example.org"


def _read(relative: str) -> Any:
    return json.loads((DEMO_DATA_DIR / relative).read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def source() -> dict[str, Any]:
    """The tiny slice: 1 ABCD chat, 3 Twitter threads, 3 LoCoMo sessions."""
    twitter = _read("twitter_cdp/conversations.json")
    with_agent_turn = next(
        c for c in twitter if any("agent" in turn for turn in c["dialogContent"])
    )
    threads = [twitter[0], twitter[1], with_agent_turn]
    # The third thread as it would look before pseudonymisation: a real-looking
    # handle, mentioned in the text, and an e-mail address.
    raw = json.loads(json.dumps(with_agent_turn))
    pseudonym = next(t["client"] for t in raw["dialogContent"] if "client" in t)
    for turn in raw["dialogContent"]:
        if "client" in turn:
            turn["client"] = RAW_HANDLE
            turn["message"] = f"{turn['message']} Write to me at {RAW_EMAIL}"
        turn["message"] = turn["message"].replace(pseudonym, RAW_HANDLE.lower())
    raw["agentURL"]["url_utterance"] = f"@{RAW_HANDLE} Thanks, {RAW_HANDLE}!"
    threads[2] = raw

    locomo = _read("locomo/conv-26.json")
    conversation = {
        key: value
        for key, value in locomo["conversation"].items()
        if not key.startswith("session_") or re.match(r"session_[123](_|$)", key)
    }
    return {
        "abcd": _read("abcd/abcd_sample.json")[:1],
        "twitter": threads,
        "locomo": {"sample_id": "conv-26", "conversation": conversation},
    }


@pytest.fixture
def data_dir(tmp_path: Path, source: dict[str, Any]) -> Path:
    folder = tmp_path / "demo_data"
    _write(folder / "abcd" / "abcd_sample.json", source["abcd"])
    _write(folder / "twitter_cdp" / "conversations.json", source["twitter"])
    _write(folder / "locomo" / "conv-26.json", source["locomo"])
    return folder


@pytest.fixture
def credentials_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "demo_credentials.txt"


def _load(data_dir: Path, credentials_path: Path) -> DemoSummary:
    return demo_load(data_dir=data_dir, credentials_path=credentials_path, now=NOW)


def _utc(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value).astimezone(UTC)


def _database_text() -> str:
    out = io.StringIO()
    call_command("dumpdata", "customers", "tickets", "auth.user", stdout=out)
    return out.getvalue()


def test_demo_load_counts_customers_tickets_and_messages(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    abcd_turns = sum(1 for speaker, _ in source["abcd"][0]["original"] if speaker != "action")
    twitter_messages = sum(len(c["dialogContent"]) + 1 for c in source["twitter"])
    conversation = source["locomo"]["conversation"]
    locomo_turns = sum(len(conversation[f"session_{n}"]) for n in (1, 2, 3))

    summary = _load(data_dir, credentials_path)

    assert (summary.customers, summary.tickets) == (5, 7)
    assert summary.messages == abcd_turns + twitter_messages + locomo_turns
    assert Customer.objects.count() == 5
    assert Ticket.objects.count() == 7
    assert Message.objects.count() == summary.messages
    assert summary.open_tickets == Ticket.objects.filter(status__in=Ticket.ACTIVE_STATUSES).count()


def test_demo_load_maps_abcd_chat_to_ticket_with_profile(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    chat = source["abcd"][0]
    personal = chat["scenario"]["personal"]

    _load(data_dir, credentials_path)

    customer = Customer.objects.get(external_id=f"abcd-{personal['username']}")
    assert (customer.name, customer.email, customer.phone) == (
        personal["customer_name"].title(),
        personal["email"],
        personal["phone"],
    )
    ticket = customer.tickets.get()
    assert ticket.subject == "Product defect: return size"
    assert ticket.channel == "chat"
    messages = list(ticket.messages.all())
    expected = [(s, t) for s, t in chat["original"] if s != "action"]
    assert [(m.role, m.body) for m in messages] == expected
    assert {m.author_name for m in messages if m.role == "agent"} == {"Support agent"}
    times = [m.created_at for m in messages]
    assert times == sorted(times)
    assert len(set(times)) == len(times)
    assert ticket.created_at < times[0] < times[-1] < NOW
    assert ticket.last_message_at == times[-1]


def test_demo_load_escalates_the_chat_whose_agent_called_a_manager(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    _load(data_dir, credentials_path)

    escalated = Ticket.objects.get(status="escalated")
    handoff = escalated.handoffs.get()
    assert escalated.subject == "Product defect: return size"
    assert escalated.assigned_to.username == "jonas"
    assert "manager" in handoff.reason
    assert handoff.customer_sentiment in {"positive", "neutral", "negative", "frustrated"}
    personal = source["abcd"][0]["scenario"]["personal"]
    shown = str(Handoff.objects.values().get(pk=handoff.pk))
    for value in (personal["email"], personal["phone"], personal["customer_name"].title()):
        assert value not in shown
    other_abcd = Ticket.objects.filter(subject__in=["Product defect: refund status"])
    assert set(other_abcd.values_list("status", flat=True)) <= {"open"}


def test_demo_load_maps_twitter_thread_with_times_and_final_reply(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    thread = source["twitter"][0]
    handle = thread["dialogContent"][0]["client"]

    _load(data_dir, credentials_path)

    customer = Customer.objects.get(external_id=f"tw-{handle}")
    assert handle not in customer.name
    ticket = customer.tickets.get()
    assert ticket.channel == Ticket.Channel.SOCIAL
    assert ticket.created_at == _utc(thread["dialogHeader"]["conversationDateTime"])
    assert "@" not in ticket.subject
    assert 0 < len(ticket.subject) <= 61
    messages = list(ticket.messages.all())
    turns = thread["dialogContent"]
    assert [(m.role, m.body, m.created_at, m.external_id) for m in messages[:-1]] == [
        (
            "customer" if "client" in turn else "agent",
            turn["message"],
            _utc(turn["datetime"]),
            turn["tweet_ID"],
        )
        for turn in turns
    ]
    reply = messages[-1]
    company = thread["dialogHeader"]["company"]
    assert (reply.role, reply.author_name) == ("agent", f"@{company}")
    assert reply.body == thread["agentURL"]["url_utterance"]
    assert reply.created_at == _utc(thread["agentURL"]["datetime"])
    assert ticket.last_message_at == reply.created_at


def test_demo_load_keeps_company_agent_turns_as_agent_messages(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    thread = source["twitter"][2]
    agent_turns = [turn for turn in thread["dialogContent"] if "agent" in turn]

    _load(data_dir, credentials_path)

    stored = Message.objects.filter(external_id__in=[t["tweet_ID"] for t in agent_turns])
    assert {(m.role, m.author_name) for m in stored} == {
        ("agent", f"@{turn['agent']}") for turn in agent_turns
    }


def test_demo_load_pseudonymises_handles_and_masks_emails(
    data_dir: Path, credentials_path: Path
) -> None:
    _load(data_dir, credentials_path)

    stored = _database_text()
    assert RAW_HANDLE.lower() not in stored.lower()
    assert RAW_EMAIL not in stored
    customer = Customer.objects.get(external_id=f"tw-{twitter_pseudonym(RAW_HANDLE)}")
    bodies = " ".join(customer.tickets.get().messages.values_list("body", flat=True))
    assert f"@{twitter_pseudonym(RAW_HANDLE)}" in bodies
    assert "[email removed]" in bodies


def test_shipped_twitter_slice_holds_only_pseudonymous_handles() -> None:
    threads = _read("twitter_cdp/conversations.json")
    companies = {t["dialogHeader"]["company"].lower() for t in threads}
    pseudonym = re.compile(r"user_[0-9a-f]{8}")

    for thread in threads:
        clients = [v for turn in thread["dialogContent"] for k, v in turn.items() if "client" in k]
        assert clients
        assert all(pseudonym.fullmatch(client) for client in clients)
        texts = [turn["message"] for turn in thread["dialogContent"]]
        texts.append(thread["agentURL"]["url_utterance"])
        for text in texts:
            for mention in re.findall(r"@(\w+)", text):
                assert pseudonym.fullmatch(mention) or mention.lower() in companies, mention
        ids = [turn["tweet_ID"] for turn in thread["dialogContent"]]
        assert not any(i.isdigit() for i in [*ids, thread["agentURL"]["tweet_ID"]])


def test_demo_load_resolves_most_twitter_threads_and_leaves_some_unassigned(
    credentials_path: Path,
) -> None:
    _load(DEMO_DATA_DIR, credentials_path)

    tickets = Ticket.objects.filter(customer__external_id__startswith="tw-")
    assert tickets.count() == 60
    active = tickets.filter(status__in=Ticket.ACTIVE_STATUSES)
    assert 15 <= active.count() <= 25
    assert active.filter(status=Ticket.Status.PENDING).exists()
    assert 3 <= active.filter(assigned_to__isnull=True).count() <= 10
    assert not tickets.filter(status=Ticket.Status.RESOLVED, assigned_to__isnull=True).exists()
    assert set(tickets.values_list("assigned_to__username", flat=True)) == {
        "maria",
        "jonas",
        None,
    }


def test_demo_load_maps_locomo_sessions_and_leaves_last_open(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    conversation = source["locomo"]["conversation"]

    _load(data_dir, credentials_path)

    customer = Customer.objects.get(external_id="locomo-conv-26")
    assert customer.name == "Caroline"
    tickets = list(customer.tickets.order_by("created_at"))
    assert [t.created_at for t in tickets] == [
        datetime.datetime(2023, 5, 8, 13, 56, tzinfo=UTC),
        datetime.datetime(2023, 5, 25, 13, 14, tzinfo=UTC),
        datetime.datetime(2023, 6, 9, 19, 55, tzinfo=UTC),
    ]
    assert [t.status for t in tickets] == ["resolved", "resolved", "open"]
    assert tickets[0].subject == "Hey Mel! Good to see you! How have you been?"
    messages = list(tickets[0].messages.all())
    turns = conversation["session_1"]
    assert [m.external_id for m in messages] == [turn["dia_id"] for turn in turns]
    assert [m.created_at - tickets[0].created_at for m in messages] == [
        datetime.timedelta(minutes=n) for n in range(len(turns))
    ]
    assert {(m.role, m.author_name) for m in messages} == {
        ("customer", "Caroline"),
        ("agent", "Melanie"),
    }
    with_image = next(i for i, turn in enumerate(turns) if turn.get("blip_caption"))
    assert messages[with_image].body == (
        f"{turns[with_image]['text']} [image: {turns[with_image]['blip_caption']}]"
    )


def test_demo_load_writes_audit_events_through_services(
    data_dir: Path, credentials_path: Path
) -> None:
    _load(data_dir, credentials_path)

    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 7
    for ticket in Ticket.objects.filter(status=Ticket.Status.RESOLVED):
        kinds = list(ticket.events.values_list("kind", "new_value"))
        assert ("status_changed", "resolved") in kinds
        assert ("assigned", ticket.assigned_to.username) in kinds
        closing = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
        assert closing.actor == ticket.assigned_to


def test_demo_load_creates_admin_and_agents_with_token(
    data_dir: Path, credentials_path: Path
) -> None:
    summary = _load(data_dir, credentials_path)

    passwords = {login.username: login.password for login in summary.logins}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(passwords["admin"])
    assert Token.objects.get(user=admin).key == summary.api_token
    for username in ("maria", "jonas"):
        agent = User.objects.get(username=username)
        assert agent.groups.filter(name=AGENTS_GROUP).exists()
        assert is_agent(agent)
        assert agent.get_full_name()
        assert agent.check_password(passwords[username])
        assert not agent.is_superuser
    assert len(set(passwords.values())) == 3
    assert all(password not in repr(summary) for password in passwords.values())


def test_demo_load_writes_private_credentials_file(data_dir: Path, credentials_path: Path) -> None:
    summary = _load(data_dir, credentials_path)

    text = credentials_path.read_text(encoding="utf-8")
    assert stat.S_IMODE(credentials_path.stat().st_mode) == 0o600
    assert "http://127.0.0.1:8000/" in text
    assert summary.api_token in text
    for login in summary.logins:
        assert f"{login.username}" in text
        assert login.password in text


def test_demo_load_reports_progress_for_each_data_set(
    data_dir: Path, credentials_path: Path
) -> None:
    calls: list[tuple[str, int, int]] = []

    summary = demo_load(
        data_dir=data_dir,
        credentials_path=credentials_path,
        progress=lambda step, done, total: calls.append((step, done, total)),
    )

    for item in summary.sets:
        steps = [(done, total) for step, done, total in calls if step == item.name]
        assert steps[0] == (0, item.messages)
        assert steps[-1] == (item.messages, item.messages)
        assert [done for done, _ in steps] == sorted(done for done, _ in steps)


def test_demo_load_writes_nothing_when_a_file_is_malformed(
    data_dir: Path, credentials_path: Path
) -> None:
    (data_dir / "locomo" / "conv-26.json").write_text("{not json", encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"conv-26\.json"):
        _load(data_dir, credentials_path)

    assert not Customer.objects.exists()
    assert not User.objects.exists()
    assert not credentials_path.exists()


def test_demo_load_rolls_back_everything_when_a_write_fails(
    data_dir: Path, credentials_path: Path, source: dict[str, Any]
) -> None:
    # The last data set fails on its last message, after the others were written.
    source["locomo"]["conversation"]["session_3"][-1]["text"] = "x" * 25_000
    _write(data_dir / "locomo" / "conv-26.json", source["locomo"])

    with pytest.raises(ValidationError, match="at most"):
        _load(data_dir, credentials_path)

    assert not Customer.objects.exists()
    assert not Ticket.objects.exists()
    assert not User.objects.exists()
    assert not Token.objects.exists()
    assert not credentials_path.exists()


def test_load_demo_command_prints_logins_token_and_counts(
    data_dir: Path, credentials_path: Path
) -> None:
    out = io.StringIO()

    call_command("load_demo", data_dir=data_dir, credentials_file=credentials_path, stdout=out)

    printed = out.getvalue()
    token = Token.objects.get(user__username="admin").key
    assert "http://127.0.0.1:8000/" in printed
    assert token in printed
    assert re.search(r"maria\s+\S{16}\s+\(agent\)", printed)
    assert re.search(r"admin\s+\S{16}\s+\(superuser\)", printed)
    assert "5 customers, 7 tickets" in printed
    assert credentials_path.exists()


def test_load_demo_command_refuses_a_second_run(data_dir: Path, credentials_path: Path) -> None:
    call_command(
        "load_demo", data_dir=data_dir, credentials_file=credentials_path, stdout=io.StringIO()
    )
    before = (Customer.objects.count(), Ticket.objects.count(), Message.objects.count())

    with pytest.raises(CommandError, match="already has 5 customer"):
        call_command(
            "load_demo", data_dir=data_dir, credentials_file=credentials_path, stdout=io.StringIO()
        )

    assert (Customer.objects.count(), Ticket.objects.count(), Message.objects.count()) == before


def test_load_demo_if_empty_loads_once_then_prints_saved_logins(
    data_dir: Path, credentials_path: Path
) -> None:
    options = {"data_dir": data_dir, "credentials_file": credentials_path, "if_empty": True}
    call_command("load_demo", stdout=io.StringIO(), **options)
    before = (Customer.objects.count(), Ticket.objects.count(), Message.objects.count())
    out = io.StringIO()

    call_command("load_demo", stdout=out, **options)

    assert (Customer.objects.count(), Ticket.objects.count(), Message.objects.count()) == before
    assert before[:2] == (5, 7)
    assert "already has customers" in out.getvalue()
    assert Token.objects.get(user__username="admin").key in out.getvalue()


def test_load_demo_refuses_when_a_demo_username_is_taken(
    data_dir: Path, credentials_path: Path
) -> None:
    User.objects.create_user(username="jonas")

    with pytest.raises(CommandError, match="jonas"):
        call_command(
            "load_demo", data_dir=data_dir, credentials_file=credentials_path, stdout=io.StringIO()
        )

    assert not Customer.objects.exists()
