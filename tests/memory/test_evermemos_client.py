"""What the EverMemOS client puts on the wire, checked against the loopback v0 server."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.fixtures import Settings

from helpdesk.memory import ids
from helpdesk.memory.backends.base import MemoryBackend
from helpdesk.memory.backends.evermemos import EMPTY_CONTENT_STAND_IN, EverMemOSBackend
from helpdesk.memory.types import DeliveryOutcome, MemoryBackendError
from tests.memory.builders import (
    AGENT,
    CUSTOMER,
    message_posted,
    ticket_closed,
    ticket_opened,
)
from tests.memory.evermemos_server import EverMemOSServer

BackendFactory = Callable[..., EverMemOSBackend]


def test_backend_satisfies_the_memory_backend_protocol(
    evermemos_backend: EverMemOSBackend,
) -> None:
    backend: MemoryBackend = evermemos_backend

    assert backend.name == "evermemos"


def test_ticket_opened_posts_global_scene_once_then_group_meta(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    first = evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    second = evermemos_backend.deliver_ticket_opened(ticket_opened(43, name="#43 Scanner"))

    posts = evermemos_server.requests_to("/memories/conversation-meta", "POST")
    assert (first, second) == (DeliveryOutcome.DELIVERED, DeliveryOutcome.DELIVERED)
    assert [post.json.get("group_id") for post in posts] == [None, "ticket_42", "ticket_43"]
    assert posts[0].json["scene"] == "assistant"
    assert posts[0].json["scene_desc"] == {"description": "customer support helpdesk"}
    assert "name" not in posts[0].json


def test_ticket_opened_sends_group_form_with_user_details_keyed_by_id(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))

    body = evermemos_server.requests_to("/memories/conversation-meta", "POST")[-1].json
    assert body == {
        "group_id": "ticket_42",
        "name": "#42 Printer offline",
        "created_at": "2026-03-01T09:15:00+00:00",
        "user_details": {
            CUSTOMER: {"full_name": "Jane Roe", "role": "user"},
            AGENT.id: {"full_name": "Maria Garcia", "role": "assistant"},
        },
    }
    assert evermemos_server.meta("ticket_42") is not None


def test_message_is_posted_with_every_contract_field(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    outcome = evermemos_backend.deliver_message(message_posted(981))

    body = evermemos_server.requests_to("/memories", "POST")[0].json
    assert outcome == DeliveryOutcome.DELIVERED
    assert body == {
        "message_id": "msg_981",
        "create_time": "2026-03-01T09:15:00+00:00",
        "sender": CUSTOMER,
        "sender_name": "Jane Roe",
        "role": "user",
        "content": "My printer shows offline since this morning.",
        "group_id": "ticket_42",
        "group_name": "#42 Printer offline",
    }
    assert [m["message_id"] for m in evermemos_server.messages("ticket_42")] == ["msg_981"]


def test_agent_message_is_sent_by_the_assistant_id_with_role_assistant(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_message(message_posted(982, sender=AGENT, content="Restarting it."))

    body = evermemos_server.requests_to("/memories", "POST")[0].json
    assert body["sender"] == ids.agent_sender(3)
    assert body["role"] == "assistant"
    assert body["sender_name"] == "Maria Garcia"


def test_create_time_is_converted_to_utc_and_parses_back(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    berlin = datetime.datetime(
        2026, 3, 1, 10, 15, 30, 250000, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")
    )

    evermemos_backend.deliver_message(message_posted(983, created_at=berlin))

    sent = evermemos_server.requests_to("/memories", "POST")[0].json["create_time"]
    assert sent == "2026-03-01T09:15:30.250000+00:00"
    assert not sent.endswith("Z")
    assert datetime.datetime.fromisoformat(sent) == berlin


def test_naive_create_time_is_refused_before_sending(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    naive = datetime.datetime(2026, 3, 1, 9, 15)  # noqa: DTZ001 - the case under test

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted(984, created_at=naive))

    assert caught.value.retryable is False
    assert evermemos_server.requests_to("/memories") == []


@pytest.mark.parametrize("content", ["", "   \n"])
def test_empty_content_is_replaced_by_a_stand_in(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, content: str
) -> None:
    outcome = evermemos_backend.deliver_message(message_posted(985, content=content))

    assert outcome == DeliveryOutcome.DELIVERED
    assert evermemos_server.messages("ticket_42")[0]["content"] == EMPTY_CONTENT_STAND_IN


def test_repeated_message_id_is_a_duplicate(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    first = evermemos_backend.deliver_message(message_posted(986))
    again = evermemos_backend.deliver_message(message_posted(986))

    assert (first, again) == (DeliveryOutcome.DELIVERED, DeliveryOutcome.DUPLICATE)
    assert len(evermemos_server.messages("ticket_42")) == 1


def test_background_acceptance_202_counts_as_delivered(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.accept_in_background = True

    outcome = evermemos_backend.deliver_message(message_posted(987))

    assert outcome == DeliveryOutcome.DELIVERED


def test_ticket_closed_posts_a_new_flushing_bot_message(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_message(message_posted(988))

    outcome = evermemos_backend.deliver_ticket_closed(ticket_closed(42))

    body = evermemos_server.requests_to("/memories", "POST")[-1].json
    assert outcome == DeliveryOutcome.DELIVERED
    assert body == {
        "message_id": ids.closing_message_id(42),
        "create_time": "2026-03-01T11:15:00+00:00",
        "sender": ids.BOT_SENDER,
        "sender_name": "Helpdesk bot",
        "role": "assistant",
        "content": "Ticket closed as resolved.",
        "group_id": "ticket_42",
        "flush": True,
    }
    assert evermemos_server.pending("ticket_42") == []
    assert {episode["user_id"] for episode in evermemos_server.episodes()} == {None, CUSTOMER}


def test_ticket_closed_twice_is_a_duplicate(evermemos_backend: EverMemOSBackend) -> None:
    evermemos_backend.deliver_ticket_closed(ticket_closed(42))

    assert evermemos_backend.deliver_ticket_closed(ticket_closed(42)) == DeliveryOutcome.DUPLICATE


def test_search_lists_travel_as_repeated_query_keys_without_a_body(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer offline", limit=3)

    request = evermemos_server.requests_to("/memories/search")[0]
    assert request.body == b""
    assert request.query == {
        "query": ["printer offline"],
        "user_id": [CUSTOMER],
        "memory_types": ["episodic_memory"],
        "retrieve_method": ["hybrid"],
        "top_k": ["15"],
    }


def test_ticket_memories_fetch_uses_group_ids_user_id_and_memory_type(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    request = evermemos_server.requests_to("/memories", "GET")[0]
    assert request.body == b""
    assert request.query == {
        "user_id": [CUSTOMER],
        "group_ids": ["ticket_42"],
        "memory_type": ["episodic_memory"],
        "page": ["1"],
        "page_size": ["100"],
    }


def test_delete_memory_sends_segment_id_and_owner(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    segment = evermemos_server.add_episode(group_id="ticket_42", user_id=CUSTOMER, episode="x")
    kept = evermemos_server.add_episode(group_id="ticket_43", user_id=CUSTOMER, episode="y")

    evermemos_backend.delete_memory(customer_id=CUSTOMER, memory_id=segment)

    request = evermemos_server.requests_to("/memories", "DELETE")[0]
    assert request.json == {"memory_id": segment, "user_id": CUSTOMER}
    assert {episode["parent_id"] for episode in evermemos_server.episodes()} == {kept}


def test_forget_customer_deletes_by_user_id_only(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.add_episode(group_id="ticket_42", user_id=CUSTOMER, episode="x")
    evermemos_server.add_episode(group_id="ticket_50", user_id="customer_8", episode="y")

    evermemos_backend.forget_customer(customer_id=CUSTOMER)

    request = evermemos_server.requests_to("/memories", "DELETE")[0]
    assert request.json == {"user_id": CUSTOMER}
    assert {episode["group_id"] for episode in evermemos_server.episodes()} == {"ticket_50"}


def test_empty_customer_id_is_refused_before_sending(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.forget_customer(customer_id=" ")

    assert caught.value.retryable is False
    assert evermemos_server.requests == []


def test_bearer_header_is_sent_when_an_api_key_is_set(
    evermemos_server_factory: Callable[..., EverMemOSServer],
    evermemos_backend_factory: BackendFactory,
) -> None:
    server = evermemos_server_factory(api_key="sk-test")
    backend = evermemos_backend_factory(server, api_key="sk-test")

    backend.deliver_message(message_posted(990))

    assert server.requests_to("/memories")[0].headers["authorization"] == "Bearer sk-test"


def test_no_authorization_header_without_an_api_key(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_backend.deliver_message(message_posted(991))

    assert "authorization" not in evermemos_server.requests_to("/memories")[0].headers


def test_path_prefix_is_configurable(
    evermemos_server_factory: Callable[..., EverMemOSServer],
    evermemos_backend_factory: BackendFactory,
) -> None:
    server = evermemos_server_factory(prefix="/memsys/api/v0")
    backend = evermemos_backend_factory(server, path_prefix="memsys/api/v0/")

    backend.deliver_message(message_posted(992))

    assert [request.path for request in server.requests] == ["/memsys/api/v0/memories"]


def test_one_pooled_connection_serves_consecutive_calls(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    for pk in (993, 994, 995):
        evermemos_backend.deliver_message(message_posted(pk))

    requests = evermemos_server.requests
    assert len({request.client_port for request in requests}) == 1
    assert len({request.headers["x-request-id"] for request in requests}) == 3


def test_health_reports_ok_without_sending_credentials(
    evermemos_server_factory: Callable[..., EverMemOSServer],
    evermemos_backend_factory: BackendFactory,
) -> None:
    server = evermemos_server_factory(api_key="sk-test")
    backend = evermemos_backend_factory(server, api_key="sk-test")

    health = backend.health()

    assert (health.ok, health.backend, health.detail) == (True, "evermemos", "healthy")
    assert "authorization" not in server.requests_to("/health")[0].headers


def test_injected_client_is_used_and_left_open(evermemos_server: EverMemOSServer) -> None:
    with httpx.Client() as client:
        backend = EverMemOSBackend(base_url=evermemos_server.base_url, client=client)
        backend.deliver_message(message_posted(996))
        backend.close()

        assert not client.is_closed
    assert len(evermemos_server.messages("ticket_42")) == 1


def test_transport_can_be_injected() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "ok", "message": "", "result": {}})

    backend = EverMemOSBackend(
        base_url="https://memory.example", transport=httpx.MockTransport(answer)
    )

    assert backend.deliver_message(message_posted()) == DeliveryOutcome.DELIVERED
    assert str(seen[0].url) == "https://memory.example/api/v0/memories"


def test_from_settings_reads_the_evermemos_settings(settings: Settings) -> None:
    settings.EVERMEMOS_BASE_URL = "http://127.0.0.1:1995/"
    settings.EVERMEMOS_API_KEY = "sk-settings"
    settings.EVERMEMOS_PATH_PREFIX = "/api/v0"
    settings.EVERMEMOS_CONTEXT_METHOD = "rrf"
    settings.EVERMEMOS_RECURRING_METHOD = "keyword"

    with EverMemOSBackend.from_settings() as backend:
        assert (backend.context_method, backend.recurring_method) == ("rrf", "keyword")


def test_from_settings_without_a_base_url_is_improperly_configured(
    settings: Settings,
) -> None:
    settings.EVERMEMOS_BASE_URL = ""

    with pytest.raises(ImproperlyConfigured):
        EverMemOSBackend.from_settings()


def test_from_settings_rejects_an_unknown_retrieve_method(settings: Settings) -> None:
    settings.EVERMEMOS_BASE_URL = "http://127.0.0.1:1995"
    settings.EVERMEMOS_CONTEXT_METHOD = "semantic"

    with pytest.raises(ImproperlyConfigured):
        EverMemOSBackend.from_settings()
