"""The loopback v1 server is as strict as the contract says (docs/evermemos-v1-api.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.memory.evermemos_v1_server import EverMemOSV1Server

NOW_MS = 1_772_356_500_000


@pytest.fixture
def server() -> Iterator[EverMemOSV1Server]:
    with EverMemOSV1Server() as running:
        yield running


def post(server: EverMemOSV1Server, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{server.base_url}/api/v1{path}", json=body, timeout=5)


def message(**overrides: Any) -> dict[str, Any]:
    return {
        "message_id": "msg_1",
        "sender_id": "customer_1",
        "sender_name": "Jane",
        "role": "user",
        "timestamp": NOW_MS,
        "content": "My printer is offline",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "status", "text"),
    [
        ({"timestamp": "2026-03-01T09:15:00Z"}, 422, "unable to parse string as an integer"),
        ({"timestamp": "1772356500000"}, 500, "Failed to store memory"),
        ({"timestamp": 1.5}, 422, "fractional part"),
        ({"role": "tool"}, 422, "Must be 'user' or 'assistant'"),
        ({"message_id": "gen_msg_1"}, 422, "reserved prefix 'gen_'"),
        ({"content": ""}, 422, "must not be empty"),
    ],
)
def test_bad_messages_are_rejected_with_the_v1_error_envelope(
    server: EverMemOSV1Server, overrides: dict[str, Any], status: int, text: str
) -> None:
    response = post(
        server, "/memories/group", {"group_id": "ticket_1", "messages": [message(**overrides)]}
    )

    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "timestamp", "path"}
    assert text in body["message"]
    assert server.messages("ticket_1") == []


def test_a_batch_over_500_messages_is_rejected_whole(server: EverMemOSV1Server) -> None:
    batch = [message(message_id=f"msg_{n}") for n in range(501)]

    response = post(server, "/memories/group", {"group_id": "ticket_1", "messages": batch})

    assert response.status_code == 422
    assert "at most 500 items" in response.json()["message"]


def test_a_resent_message_is_stored_twice(server: EverMemOSV1Server) -> None:
    for _ in range(2):
        response = post(
            server, "/memories/group", {"group_id": "ticket_1", "messages": [message()]}
        )
        assert response.json()["data"]["status"] == "accumulated"

    assert [m["message_id"] for m in server.messages("ticket_1")] == ["msg_1", "msg_1"]


def test_pending_messages_come_back_only_when_asked(server: EverMemOSV1Server) -> None:
    post(server, "/memories/group", {"group_id": "ticket_1", "messages": [message()]})
    base = {"query": "printer", "filters": {"group_id": "ticket_1"}}

    plain = post(server, "/memories/search", base).json()["data"]
    asked = post(server, "/memories/search", base | {"memory_types": ["raw_message"]}).json()

    assert plain["raw_messages"] == []
    assert [m["message_id"] for m in asked["data"]["raw_messages"]] == ["msg_1"]


def test_flush_extracts_episodes_scoped_by_user(server: EverMemOSV1Server) -> None:
    post(server, "/memories/group", {"group_id": "ticket_1", "messages": [message()]})

    first = post(server, "/memories/group/flush", {"group_id": "ticket_1"}).json()["data"]
    second = post(server, "/memories/group/flush", {"group_id": "ticket_1"}).json()["data"]
    mine = post(
        server,
        "/memories/search",
        {"query": "printer", "method": "keyword", "filters": {"user_id": "customer_1"}},
    ).json()["data"]["episodes"]
    theirs = post(
        server,
        "/memories/search",
        {"query": "printer", "method": "keyword", "filters": {"user_id": "customer_2"}},
    ).json()["data"]["episodes"]

    assert (first["status"], second["status"]) == ("extracted", "no_extraction")
    assert [hit["user_id"] for hit in mine] == ["customer_1"]
    assert theirs == []


def test_delete_answers_204_and_search_still_sees_a_segment_deleted_by_id(
    server: EverMemOSV1Server,
) -> None:
    segment = server.add_episode(group_id="ticket_1", user_id="customer_1", episode="printer")
    scope = {"filters": {"user_id": "customer_1"}}

    response = post(server, "/memories/delete", {"memory_id": segment})
    listed = post(server, "/memories/get", {"memory_type": "episodic_memory"} | scope).json()
    found = post(server, "/memories/search", {"query": "printer", "method": "keyword"} | scope)

    assert (response.status_code, response.content) == (204, b"")
    assert listed["data"]["total_count"] == 0
    assert len(found.json()["data"]["episodes"]) == 1


def test_profiles_are_paged_with_a_total_count(server: EverMemOSV1Server) -> None:
    for n in range(3):
        server.add_profile(user_id="customer_1", group_id=f"ticket_{n}", explicit=(("plan", "x"),))
    body = {"memory_type": "profile", "filters": {"user_id": "customer_1"}, "page_size": 2}

    first = post(server, "/memories/get", body).json()["data"]
    second = post(server, "/memories/get", body | {"page": 2}).json()["data"]

    assert (first["total_count"], first["count"], second["count"]) == (3, 2, 1)


def test_health_and_unknown_paths(server: EverMemOSV1Server) -> None:
    health = httpx.get(f"{server.base_url}/health", timeout=5)
    v0 = httpx.get(f"{server.base_url}/api/v0/memories", timeout=5)

    assert health.json()["status"] == "healthy"
    assert (v0.status_code, v0.json()) == (404, {"detail": "Not Found"})


def test_a_message_processed_then_failed_is_stored(server: EverMemOSV1Server) -> None:
    server.process_then_fail_next("/memories/group", 500)

    response = post(server, "/memories/group", {"group_id": "ticket_1", "messages": [message()]})

    assert response.status_code == 500
    assert len(server.pending("ticket_1")) == 1


def post_raw(server: EverMemOSV1Server, path: str, content: bytes) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1{path}",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )


def test_a_timestamp_beyond_year_9999_is_rejected(server: EverMemOSV1Server) -> None:
    batch = [message(timestamp=400_000_000_000_000)]

    response = post(server, "/memories/group", {"group_id": "ticket_1", "messages": batch})

    assert response.status_code == 422
    assert "is out of range" in response.json()["message"]
    assert server.messages("ticket_1") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("group_id", "gen_ticket"), ("sender_id", "gen_sdr_1"), ("message_id", "gen_msg_1")],
)
def test_reserved_gen_prefixes_are_rejected_on_add(
    server: EverMemOSV1Server, field: str, value: str
) -> None:
    body: dict[str, Any] = {"group_id": "ticket_1", "messages": [message()]}
    if field == "group_id":
        body["group_id"] = value
    else:
        body["messages"] = [message(**{field: value})]

    response = post(server, "/memories/group", body)

    assert response.status_code == 422
    assert "reserved prefix 'gen_'" in response.json()["message"]


def test_a_gen_group_cannot_be_flushed(server: EverMemOSV1Server) -> None:
    response = post(server, "/memories/group/flush", {"group_id": "gen_solo_abc"})

    assert response.status_code == 422
    assert "reserved prefix 'gen_'" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "content", "status", "text"),
    [
        ("/memories/group", b"null", 500, "Failed to store memory, please try again later"),
        ("/memories/group/flush", b"null", 500, "Flush failed, please try again later"),
        ("/memories/search", b"null", 500, "Internal server error"),
        ("/memories/search", b"", 400, "Invalid JSON request body"),
        ("/memories/group", b"", 422, "Expecting value"),
        ("/memories/delete", b"", 422, "Field required"),
        ("/memories/delete", b"null", 422, "Field required"),
        ("/memories/delete", b"[]", 422, "valid dictionary"),
    ],
)
def test_bodies_that_are_not_an_object_get_the_endpoints_own_answer(
    server: EverMemOSV1Server, path: str, content: bytes, status: int, text: str
) -> None:
    response = post_raw(server, path, content)

    assert response.status_code == status
    assert text in response.json()["message"]


def test_delete_by_filter_answers_204_with_no_body_even_when_nothing_matched(
    server: EverMemOSV1Server,
) -> None:
    response = post(server, "/memories/delete", {"group_id": "ticket_nobody"})

    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.parametrize("memory_id", ["1234", "not-an-object-id"])
def test_delete_by_an_id_that_is_no_object_id_is_a_system_error(
    server: EverMemOSV1Server, memory_id: str
) -> None:
    response = post(server, "/memories/delete", {"memory_id": memory_id})

    assert response.status_code == 500
    assert response.json()["code"] == "SYSTEM_ERROR"


def test_get_drops_a_top_level_eq_scope(server: EverMemOSV1Server) -> None:
    server.add_episode(group_id="ticket_1", user_id="customer_1", episode="printer")
    body = {"memory_type": "episodic_memory"}

    eq = post(server, "/memories/get", body | {"filters": {"user_id": {"eq": "customer_1"}}})
    listed = post(server, "/memories/get", body | {"filters": {"user_id": ["customer_1"]}})
    kept = post(server, "/memories/get", body | {"filters": {"user_id": {"in": ["customer_1"]}}})

    assert (eq.status_code, listed.status_code) == (422, 422)
    assert "at least one of 'user_id' or 'group_id'" in eq.json()["message"]
    assert kept.json()["data"]["total_count"] == 1
