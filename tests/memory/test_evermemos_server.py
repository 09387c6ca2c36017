"""The loopback server is only useful if it is strict: it refuses what the v0 contract refuses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.memory.evermemos_server import EverMemOSServer

MESSAGE = {
    "message_id": "msg_1",
    "create_time": "2026-03-01T09:15:00+00:00",
    "sender": "customer_7",
    "content": "Printer offline.",
    "group_id": "ticket_42",
}
GROUP_META = {"group_id": "ticket_42", "name": "#42 Printer", "created_at": "2026-03-01T09:15:00Z"}
GLOBAL_META = {
    "created_at": "2026-03-01T09:15:00Z",
    "scene": "assistant",
    "scene_desc": {"description": "customer support helpdesk"},
}


@pytest.fixture
def http(evermemos_server: EverMemOSServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=evermemos_server.base_url + "/api/v0", timeout=2) as client:
        yield client


def assert_rejected(response: httpx.Response, status: int = 400) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "failed"
    assert body["code"] == "HTTP_ERROR"
    assert body["path"].startswith("/api/v0/")


@pytest.mark.parametrize(
    "changes",
    [
        {"message_id": None},
        {"create_time": None},
        {"sender": None},
        {"content": ""},
        {"content": "  "},
        {"create_time": "2026-03-01T09:15:00"},
        {"create_time": "2026-03-01T09:15:00+00:00Z"},
        {"create_time": "yesterday"},
        {"role": "customer"},
        {"flush": "yes"},
    ],
)
def test_invalid_messages_are_rejected(http: httpx.Client, changes: dict[str, Any]) -> None:
    body = {key: value for key, value in {**MESSAGE, **changes}.items() if value is not None}

    assert_rejected(http.post("/memories", json=body))


def test_trailing_z_alone_is_accepted(http: httpx.Client) -> None:
    response = http.post("/memories", json={**MESSAGE, "create_time": "2026-03-01T09:15:00Z"})

    assert response.json()["result"]["status_info"] == "accumulated"


def test_duplicate_answers_200_with_the_duplicate_envelope(http: httpx.Client) -> None:
    http.post("/memories", json=MESSAGE)

    response = http.post("/memories", json=MESSAGE)

    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert response.json()["result"]["status_info"] == "duplicate"


def test_same_message_id_from_another_sender_is_not_a_duplicate(http: httpx.Client) -> None:
    http.post("/memories", json=MESSAGE)

    response = http.post("/memories", json={**MESSAGE, "sender": "assistant_bot"})

    assert response.json()["status"] == "ok"


def test_message_without_group_goes_to_a_per_sender_group(
    http: httpx.Client, evermemos_server: EverMemOSServer
) -> None:
    body = {key: value for key, value in MESSAGE.items() if key != "group_id"}

    http.post("/memories", json=body)

    derived = hashlib.md5(b"customer_7", usedforsecurity=False).hexdigest()[:16] + "_group"
    assert [m["message_id"] for m in evermemos_server.messages(derived)] == ["msg_1"]


@pytest.mark.parametrize(
    "body",
    [
        {**GROUP_META, "scene": "assistant"},
        {**GROUP_META, "scene_desc": {}},
        {**GROUP_META, "llm_custom_setting": {}},
        {**GROUP_META, "name": None},
        {**GROUP_META, "user_details": [{"id": "customer_7", "full_name": "Jane"}]},
        {**GROUP_META, "user_details": {"customer_7": {"user_name": "Jane"}}},
        {**GROUP_META, "user_details": {"customer_7": {"role": "customer"}}},
        {**GLOBAL_META, "name": "Helpdesk"},
        {key: value for key, value in GLOBAL_META.items() if key != "scene"},
        {key: value for key, value in GLOBAL_META.items() if key != "scene_desc"},
        {key: value for key, value in GROUP_META.items() if key != "created_at"},
        {**GROUP_META, "created_at": "2026-03-01T09:15:00+00:00Z"},
    ],
)
def test_invalid_conversation_meta_is_rejected(http: httpx.Client, body: dict[str, Any]) -> None:
    assert_rejected(http.post("/memories/conversation-meta", json=body))


def test_null_scene_counts_as_absent_in_a_group_meta(http: httpx.Client) -> None:
    response = http.post("/memories/conversation-meta", json={**GROUP_META, "scene": None})

    assert response.status_code == 200


def test_group_meta_lookup_falls_back_to_the_global_record(http: httpx.Client) -> None:
    assert_rejected(http.get("/memories/conversation-meta", params={"group_id": "x"}), 404)
    http.post("/memories/conversation-meta", json=GLOBAL_META)

    response = http.get("/memories/conversation-meta", params={"group_id": "x"})

    assert response.json()["result"]["is_default"] is True


@pytest.mark.parametrize(
    "params",
    [
        {"query": "printer"},
        {"user_id": "customer_7", "top_k": "0"},
        {"user_id": "customer_7", "top_k": "101"},
        {"user_id": "customer_7", "top_k": "ten"},
        {"user_id": "customer_7", "memory_types": "foresight"},
        {"user_id": "customer_7", "memory_types": "event_log"},
        {"user_id": "customer_7", "retrieve_method": "semantic"},
        {"group_ids": [f"ticket_{n}" for n in range(51)]},
    ],
)
def test_invalid_searches_are_rejected(http: httpx.Client, params: dict[str, Any]) -> None:
    assert_rejected(http.get("/memories/search", params=params))


def test_search_with_a_json_body_is_rejected(http: httpx.Client) -> None:
    response = http.request("GET", "/memories/search", json={"user_id": "customer_7"})

    assert_rejected(response)


def test_search_accepts_comma_separated_lists(
    http: httpx.Client, evermemos_server: EverMemOSServer
) -> None:
    evermemos_server.add_episode(group_id="ticket_2", user_id="customer_7", episode="printer")

    response = http.get(
        "/memories/search", params={"group_ids": "ticket_1,ticket_2", "query": "printer"}
    )

    assert response.json()["result"]["query_metadata"]["group_ids"] == ["ticket_1", "ticket_2"]
    assert len(response.json()["result"]["memories"]) == 2  # the group episode and the copy


@pytest.mark.parametrize(
    "params",
    [
        {"group_id": "ticket_1"},  # singular group_id is ignored by fetch
        {"user_id": "customer_7", "memory_type": "memories"},
        {"user_id": "customer_7", "page": "0"},
        {"user_id": "customer_7", "page_size": "101"},
        {"group_ids": [f"ticket_{n}" for n in range(51)]},
    ],
)
def test_invalid_fetches_are_rejected(http: httpx.Client, params: dict[str, Any]) -> None:
    assert_rejected(http.get("/memories", params=params))


def test_delete_needs_a_filter(http: httpx.Client) -> None:
    assert_rejected(http.request("DELETE", "/memories", json={}))


def test_flush_keeps_pending_messages_out_of_search_afterwards(
    http: httpx.Client, evermemos_server: EverMemOSServer
) -> None:
    http.post("/memories", json=MESSAGE)
    pending = http.get("/memories/search", params={"user_id": "customer_7", "query": "printer"})
    http.post("/memories", json={**MESSAGE, "message_id": "msg_2", "flush": True})
    after = http.get("/memories/search", params={"user_id": "customer_7", "query": "printer"})

    assert len(pending.json()["result"]["pending_messages"]) == 1
    assert after.json()["result"]["pending_messages"] == []
    assert [m["user_id"] for m in after.json()["result"]["memories"]] == ["customer_7"]


def test_api_key_server_rejects_missing_and_wrong_bearer(
    evermemos_server_factory: Callable[..., EverMemOSServer],
) -> None:
    server = evermemos_server_factory(api_key="sk-right")
    url = server.base_url + "/api/v0/memories"

    missing = httpx.post(url, json=MESSAGE)
    wrong = httpx.post(url, json=MESSAGE, headers={"Authorization": "Bearer sk-wrong"})
    right = httpx.post(url, json=MESSAGE, headers={"Authorization": "Bearer sk-right"})
    health = httpx.get(server.base_url + "/health")

    assert_rejected(missing, 401)
    assert_rejected(wrong, 401)
    assert (right.status_code, health.status_code) == (200, 200)


def test_unknown_path_is_404(http: httpx.Client) -> None:
    assert_rejected(http.get("/memories/everything"), 404)


def test_queued_faults_apply_to_the_next_matching_requests_only(
    http: httpx.Client, evermemos_server: EverMemOSServer
) -> None:
    evermemos_server.fail_next("/memories", 503, method="GET")
    evermemos_server.fail_next("/memories", 429, method="GET", headers={"Retry-After": "2"})

    post = http.post("/memories", json=MESSAGE)
    gets = [http.get("/memories", params={"user_id": "c"}) for _ in range(3)]

    assert post.status_code == 200
    assert [get.status_code for get in gets] == [503, 429, 200]
    assert gets[1].headers["retry-after"] == "2"
    assert gets[0].json()["code"] == "SYSTEM_ERROR"
