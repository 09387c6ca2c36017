"""The v1 client against the strict loopback v1 server: writes, reads, erasure, health."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator

import pytest
from pytest_django.fixtures import Settings

from helpdesk.memory.backends import get_backend
from helpdesk.memory.backends.evermemos import EverMemOSV1Backend
from helpdesk.memory.types import (
    MemoryBackendError,
    MessagePosted,
    Participant,
    Speaker,
    TicketClosed,
)
from tests.memory.conftest import CLIENT_TIMEOUT
from tests.memory.evermemos_server import EverMemOSServer
from tests.memory.evermemos_v1_server import EverMemOSV1Server

CUSTOMER = Participant(id="customer_7", name="Jane Roe", speaker=Speaker.USER)
AGENT = Participant(id="assistant_agent_3", name="Sam (support)", speaker=Speaker.ASSISTANT)
START = datetime.datetime(2026, 3, 1, 9, 15, tzinfo=datetime.UTC)


@pytest.fixture
def server() -> Iterator[EverMemOSV1Server]:
    with EverMemOSV1Server() as running:
        yield running


@pytest.fixture
def client_for() -> Iterator[Callable[..., EverMemOSV1Backend]]:
    built: list[EverMemOSV1Backend] = []

    def build(base_url: str, **options: object) -> EverMemOSV1Backend:
        backend = EverMemOSV1Backend(
            base_url=base_url, timeout=CLIENT_TIMEOUT, connect_timeout=CLIENT_TIMEOUT, **options
        )
        built.append(backend)
        return backend

    yield build
    for backend in built:
        backend.close()


@pytest.fixture
def backend(server: EverMemOSV1Server, client_for) -> EverMemOSV1Backend:
    return client_for(server.base_url)


def message(
    number: int, *, sender: Participant = CUSTOMER, group: str = "ticket_42", text: str = ""
) -> MessagePosted:
    return MessagePosted(
        message_id=f"msg_{number}",
        group_id=group,
        group_name="T-000042 Printer offline",
        ticket_id=int(group.split("_")[1]),
        customer_id="customer_7",
        sender=sender,
        content=text or f"My printer is offline, message {number}",
        created_at=START + datetime.timedelta(minutes=number),
    )


def closed(group: str = "ticket_42") -> TicketClosed:
    return TicketClosed(
        group_id=group,
        ticket_id=int(group.split("_")[1]),
        customer_id="customer_7",
        status="resolved",
        closed_at=START + datetime.timedelta(hours=1),
    )


def test_a_batch_goes_in_one_request_with_roles_names_and_ms_timestamps(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend
) -> None:
    backend.deliver_messages([message(1), message(2, sender=AGENT)], maybe_sent=False)

    (request,) = server.requests_to("/memories/group")
    wire = request.json["messages"]
    assert [(m["role"], m["sender_id"], m["sender_name"]) for m in wire] == [
        ("user", "customer_7", "Jane Roe"),
        ("assistant", "assistant_agent_3", "Sam (support)"),
    ]
    assert wire[0]["timestamp"] == int(START.timestamp() * 1000) + 60_000
    assert [m["message_id"] for m in server.messages("ticket_42")] == ["msg_1", "msg_2"]


def test_a_possible_resend_skips_the_ids_already_pending(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend
) -> None:
    backend.deliver_messages([message(1)], maybe_sent=False)

    outcomes = backend.deliver_messages([message(1), message(2)], maybe_sent=True)

    assert [o.value for o in outcomes] == ["duplicate", "delivered"]
    assert [m["message_id"] for m in server.messages("ticket_42")] == ["msg_1", "msg_2"]


def test_a_422_is_not_retryable(server: EverMemOSV1Server, backend: EverMemOSV1Backend) -> None:
    server.fail_next("/memories/group", 422)

    with pytest.raises(MemoryBackendError) as failed:
        backend.deliver_message(message(1))

    assert (failed.value.retryable, failed.value.status) == (False, 422)


def test_closing_flushes_instead_of_sending_a_closing_message(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend
) -> None:
    backend.deliver_message(message(1))

    backend.deliver_ticket_closed(closed())

    assert [m["message_id"] for m in server.messages("ticket_42")] == ["msg_1"]
    assert len(server.requests_to("/memories/group/flush")) == 1
    assert server.pending("ticket_42") == []


def test_this_ticket_shows_episodes_and_the_messages_still_pending(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend
) -> None:
    backend.deliver_message(message(1))
    backend.deliver_ticket_closed(closed())
    backend.deliver_message(message(2, text="Still offline after the restart"))

    memories = backend.ticket_memories(customer_id="customer_7", group_id="ticket_42")

    episode, pending = memories
    assert episode.memory_id
    assert episode.source.message_id is None
    assert episode.source.ticket_id == 42
    assert episode.source.until == START + datetime.timedelta(minutes=1)
    assert (pending.text, pending.source.message_id) == ("Still offline after the restart", 2)


def test_past_tickets_are_the_customers_own_grouped_without_the_current_one(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend
) -> None:
    server.add_episode(group_id="ticket_1", user_id="customer_7", episode="printer offline")
    server.add_episode(group_id="ticket_1", user_id="customer_7", episode="printer jam")
    server.add_episode(group_id="ticket_2", user_id="customer_7", episode="printer again")
    server.add_episode(group_id="ticket_3", user_id="customer_8", episode="printer offline")

    matches = backend.related_tickets(
        customer_id="customer_7", query="printer offline", exclude_group_id="ticket_2"
    )

    assert [match.ticket_id for match in matches] == [1]
    (search,) = server.requests_to("/memories/search")
    assert search.json["filters"] == {"user_id": "customer_7"}
    assert search.json["method"] == "hybrid"


def test_profile_reads_every_page(server: EverMemOSV1Server, backend: EverMemOSV1Backend) -> None:
    for n in range(130):
        server.add_profile(
            user_id="customer_7", group_id=f"ticket_{n}", explicit=(("plan", f"Fact {n}"),)
        )

    facts = backend.customer_profile(customer_id="customer_7")

    assert len(facts) == 130
    assert len(server.requests_to("/memories/get")) == 2


@pytest.mark.parametrize("how", ["slow", "empty"])
def test_recurring_falls_back_from_agentic_on_timeout_and_on_nothing(
    server: EverMemOSV1Server, client_for, how: str
) -> None:
    server.add_episode(group_id="ticket_1", user_id="customer_7", episode="printer offline")
    server.set_search_behaviour("agentic", how)  # type: ignore[arg-type]
    backend = client_for(server.base_url, agentic_timeout=0.2)

    found = backend.recurring_candidates(
        customer_id="customer_7", query="printer offline", group_id="ticket_9"
    )

    assert [match.ticket_id for match in found] == [1]
    methods = [r.json["method"] for r in server.requests_to("/memories/search")]
    assert methods == ["agentic", "hybrid"]


def test_delete_and_forget_delete_what_v1_can(
    server: EverMemOSV1Server, backend: EverMemOSV1Backend, caplog: pytest.LogCaptureFixture
) -> None:
    segment = server.add_episode(group_id="ticket_1", user_id="customer_7", episode="printer")
    server.add_episode(group_id="ticket_2", user_id="customer_7", episode="router")

    backend.delete_memory(customer_id="customer_7", memory_id=segment)
    backend.forget_customer(customer_id="customer_7")

    assert server.episodes() == []
    deletes = [r.json for r in server.requests_to("/memories/delete")]
    assert deletes == [
        {"memory_id": segment},
        {"group_id": "ticket_2"},
        {"user_id": "customer_7"},
    ]
    assert "cannot delete its profiles" in caplog.text


def test_health_reports_v1(backend: EverMemOSV1Backend) -> None:
    health = backend.health()

    assert (health.ok, health.detail) == (True, "v1 healthy")


def test_a_v0_server_is_reported_as_not_speaking_v1(
    evermemos_server: EverMemOSServer, client_for
) -> None:
    backend = client_for(evermemos_server.base_url)

    health = backend.health()
    with pytest.raises(MemoryBackendError, match="does not speak v1") as failed:
        backend.deliver_message(message(1))

    assert health.ok is False
    assert "EVERMEMOS_API_VERSION=v0" in health.detail
    assert failed.value.retryable is False


def test_the_default_version_builds_the_v1_client(
    settings: Settings, server: EverMemOSV1Server
) -> None:
    settings.MEMORY_BACKEND = "evermemos"
    settings.EVERMEMOS_BASE_URL = server.base_url
    settings.EVERMEMOS_API_VERSION = "v1"

    assert isinstance(get_backend(), EverMemOSV1Backend)
