"""The v0 client against the real v0 server's shapes (issue 12, item 5): source message ids
in `original_data.messages[i].extend.message_id`, `pending_messages`, profile pages, 422
answers and the global scene created once per deployment."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.backends.evermemos import v0 as evermemos_v0
from helpdesk.memory.types import ForgetResult, MemoryBackendError, Source
from tests.memory.builders import (
    AGENT,
    CUSTOMER,
    OPENED_AT,
    message_posted,
    ticket_closed,
    ticket_opened,
)
from tests.memory.evermemos_server import EverMemOSServer


def envelope(**result: object) -> dict[str, object]:
    return {"status": "ok", "message": "", "result": result}


def close_ticket_42(backend: EverMemOSBackend) -> None:
    backend.deliver_ticket_opened(ticket_opened(42))
    backend.deliver_message(message_posted(981, content="The printer is offline again."))
    backend.deliver_ticket_closed(ticket_closed(42))


# Source message ids -------------------------------------------------------------


def test_the_loopback_server_keeps_message_ids_only_under_extend(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    close_ticket_42(evermemos_backend)

    original = evermemos_server.episodes()[0]["original_data"]
    first = original["messages"][0]
    assert "message_id" not in first
    assert first["extend"] == {"message_id": "msg_981"}


def test_ticket_memories_and_search_hits_name_their_source_message(
    evermemos_backend: EverMemOSBackend,
) -> None:
    close_ticket_42(evermemos_backend)

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")
    matches = evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer offline")

    assert [memory.source for memory in memories] == [Source(ticket_id=42, message_id=981)]
    assert [match.source for match in matches] == [Source(ticket_id=42, message_id=981)]


@pytest.mark.parametrize(
    "original_data",
    [
        {"messages": [{"content": "x", "extend": {"message_id": "msg_981"}}]},
        [{"messages": [{"content": "x", "extend": {"message_id": "msg_981"}}]}],
        [{"message_id": "msg_981", "content": "x"}],  # the shape our fake used to return
        {"messages": [{"extend": {"message_id": "ticket_42_closed_1"}}, {"message_id": "msg_981"}]},
    ],
)
def test_source_message_is_read_from_each_shape(
    evermemos_server: EverMemOSServer,
    evermemos_backend: EverMemOSBackend,
    original_data: object,
) -> None:
    episode = {
        "id": "ep_1",
        "parent_id": "seg_1",
        "memory_type": "episodic_memory",
        "user_id": CUSTOMER,
        "group_id": "ticket_42",
        "episode": "Printer offline.",
        "original_data": original_data,
    }
    body = envelope(memories=[episode], total_count=1)
    evermemos_server.fail_next("/memories", 200, body=body, method="GET")
    evermemos_server.fail_next("/memories/search", 200, body=envelope(memories=[]))

    (memory,) = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert memory.source == Source(ticket_id=42, message_id=981)


# Pending messages ---------------------------------------------------------------


def test_an_open_tickets_pending_messages_are_its_memories_in_order(
    evermemos_backend: EverMemOSBackend,
) -> None:
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    evermemos_backend.deliver_message(message_posted(981, content="Printer offline."))
    evermemos_backend.deliver_message(
        message_posted(
            982,
            sender=AGENT,
            content="Please restart it.",
            created_at=OPENED_AT + datetime.timedelta(hours=1),
        )
    )
    evermemos_backend.deliver_message(message_posted(990, ticket_pk=43, content="Other ticket."))

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert [(m.text, m.source) for m in memories] == [
        ("Printer offline.", Source(ticket_id=42, message_id=981)),
        ("Please restart it.", Source(ticket_id=42, message_id=982)),
    ]


def test_extracted_messages_are_no_longer_pending(evermemos_backend: EverMemOSBackend) -> None:
    close_ticket_42(evermemos_backend)

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert len(memories) == 1  # the episode, not its messages again


# Profile pages ------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["wrapper", "rows"])
def test_profile_fetch_reads_every_page(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, shape: str
) -> None:
    for ticket in range(1, 231):
        evermemos_server.add_profile(
            user_id=CUSTOMER, group_id=f"ticket_{ticket}", explicit=(("x", f"Fact {ticket}."),)
        )
    evermemos_server.profile_shape = shape  # type: ignore[assignment]  # parametrized literal

    facts = evermemos_backend.customer_profile(customer_id=CUSTOMER)

    pages = [r.query["page"] for r in evermemos_server.requests_to("/memories", "GET")]
    assert pages == [["1"], ["2"], ["3"]]
    assert len(facts) == 230
    assert facts[-1].source == Source(ticket_id=230)


def test_episode_fetch_reads_every_page(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    for number in range(105):
        evermemos_server.add_episode(
            group_id="ticket_42", user_id=CUSTOMER, episode=f"Segment {number}."
        )

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert len(memories) == 105
    assert len(evermemos_server.requests_to("/memories", "GET")) == 2


# 422 ---------------------------------------------------------------------------


FASTAPI_422 = {
    "detail": [
        {"type": "bool_parsing", "loc": ["body", "flush"], "msg": "Input should be a boolean"}
    ]
}


def test_a_422_is_a_clear_error_never_retried(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next(
        "/memories",
        422,
        body=FASTAPI_422,
        headers={"x-should-retry": "true"},
        method="POST",
    )

    with pytest.raises(MemoryBackendError) as raised:
        evermemos_backend.deliver_message(message_posted(981))

    assert raised.value.retryable is False
    assert raised.value.status == 422
    assert raised.value.retry_after is None
    text = str(raised.value)
    assert "422 (the request is invalid; not retried)" in text
    assert "body.flush: Input should be a boolean" in text
    assert len(evermemos_server.requests_to("/memories", "POST")) == 1


def test_a_422_on_a_read_is_not_sent_again(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories/search", 422, body=FASTAPI_422)

    with pytest.raises(MemoryBackendError) as raised:
        evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert raised.value.retryable is False
    assert len(evermemos_server.requests_to("/memories/search")) == 1


# Global scene -------------------------------------------------------------------


def test_the_global_scene_is_created_once_per_deployment(
    evermemos_server: EverMemOSServer,
    evermemos_backend_factory: Callable[..., EverMemOSBackend],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evermemos_backend_factory(evermemos_server).deliver_ticket_opened(ticket_opened(42))
    created = evermemos_server.meta()
    # A second process (a restart, another worker): its own memory is empty.
    monkeypatch.setattr(evermemos_v0, "_scene_configured", set())
    evermemos_backend_factory(evermemos_server).deliver_ticket_opened(ticket_opened(43))

    posts = evermemos_server.requests_to("/memories/conversation-meta", "POST")
    assert [post.json.get("group_id") for post in posts] == [None, "ticket_42", "ticket_43"]
    assert evermemos_server.meta() == created
    assert len(evermemos_server.requests_to("/memories/conversation-meta", "GET")) == 2


def test_a_scene_configured_elsewhere_is_left_alone(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next(
        "/memories/conversation-meta",
        200,
        body=envelope(group_id=None, scene="group_chat", scene_desc={}, is_default=True),
        method="GET",
    )

    evermemos_backend.deliver_ticket_opened(ticket_opened(42))

    posts = evermemos_server.requests_to("/memories/conversation-meta", "POST")
    assert [post.json.get("group_id") for post in posts] == ["ticket_42"]


def test_a_failed_scene_lookup_fails_the_delivery(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories/conversation-meta", 503, method="GET")

    with pytest.raises(MemoryBackendError) as raised:
        evermemos_backend.deliver_ticket_opened(ticket_opened(42))

    assert raised.value.retryable is True
    assert evermemos_server.requests_to("/memories/conversation-meta", "POST") == []


# Forgetting ---------------------------------------------------------------------


def test_forgetting_says_what_v0_keeps(evermemos_backend: EverMemOSBackend) -> None:
    close_ticket_42(evermemos_backend)

    result = evermemos_backend.forget_customer(customer_id=CUSTOMER)

    assert result == ForgetResult(kept=evermemos_v0.KEPT_AFTER_FORGET)
    assert "profiles" in result.kept
    assert evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42") == []
