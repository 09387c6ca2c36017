"""Every EverMemOS failure becomes a MemoryBackendError that says whether to retry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpdesk.memory.backends.evermemos import EverMemOSBackend
from helpdesk.memory.types import DeliveryOutcome, MemoryBackendError
from tests.memory.builders import CUSTOMER, message_posted, ticket_opened
from tests.memory.evermemos_server import EverMemOSServer

BackendFactory = Callable[..., EverMemOSBackend]


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409])
def test_server_errors_are_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, status: int
) -> None:
    evermemos_server.fail_next("/memories", status)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is True
    assert caught.value.retry_after is None
    assert str(status) in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, status: int
) -> None:
    evermemos_server.fail_next("/memories", status)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is False
    assert caught.value.retry_after is None


def test_rate_limit_carries_retry_after_seconds(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories", 429, headers={"Retry-After": "7"})

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert (caught.value.retryable, caught.value.retry_after) == (True, 7.0)


def test_retry_after_ms_is_preferred_and_converted(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    headers = {"retry-after-ms": "1500", "Retry-After": "9"}
    evermemos_server.fail_next("/memories", 503, headers=headers)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retry_after == 1.5


def test_retry_after_is_capped_at_sixty_seconds(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories", 429, headers={"Retry-After": "3600"})

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retry_after == 60.0


def test_retry_after_as_http_date_is_honoured(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next(
        "/memories", 429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retry_after == 0.0  # a date in the past: retry now


def test_x_should_retry_false_overrides_a_retryable_status(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories", 503, headers={"x-should-retry": "false"})

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is False


def test_error_envelope_message_is_kept_in_the_error(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories", 400)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert "HTTP_ERROR injected failure" in str(caught.value)


def test_missing_api_key_is_401_and_not_retryable(
    evermemos_server_factory: Callable[..., EverMemOSServer],
    evermemos_backend_factory: BackendFactory,
) -> None:
    server = evermemos_server_factory(api_key="sk-right")
    backend = evermemos_backend_factory(server)

    with pytest.raises(MemoryBackendError) as caught:
        backend.deliver_message(message_posted())

    assert caught.value.retryable is False
    assert "401" in str(caught.value)
    assert server.messages("ticket_42") == []


def test_wrong_api_key_is_401_and_not_retryable(
    evermemos_server_factory: Callable[..., EverMemOSServer],
    evermemos_backend_factory: BackendFactory,
) -> None:
    server = evermemos_server_factory(api_key="sk-right")
    backend = evermemos_backend_factory(server, api_key="sk-wrong")

    with pytest.raises(MemoryBackendError) as caught:
        backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert caught.value.retryable is False


def test_timeout_is_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.delay_next("/memories", 1.0)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is True
    assert "timed out" in str(caught.value)


def test_delivery_is_not_retried_inside_the_client_when_the_connection_drops(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.drop_next("/memories")

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is True
    assert len(evermemos_server.requests_to("/memories")) == 1


def test_read_is_sent_once_more_when_the_connection_drops(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.add_episode(group_id="ticket_42", user_id=CUSTOMER, episode="Printer fixed.")
    evermemos_server.drop_next("/memories", method="GET")

    memories = evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert [memory.text for memory in memories] == ["Printer fixed."]
    assert len(evermemos_server.requests_to("/memories", "GET")) == 2


def test_read_fails_retryably_when_the_connection_drops_twice(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.drop_next("/memories/search", times=2)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.customer_profile(customer_id=CUSTOMER, query="printer")

    assert caught.value.retryable is True
    assert len(evermemos_server.requests_to("/memories/search")) == 2


def test_read_is_not_repeated_after_a_server_error(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories/search", 500)

    with pytest.raises(MemoryBackendError):
        evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert len(evermemos_server.requests_to("/memories/search")) == 1


def test_refused_connection_is_retryable(
    closed_port_url: str, evermemos_backend_factory: BackendFactory
) -> None:
    backend = evermemos_backend_factory(closed_port_url)

    with pytest.raises(MemoryBackendError) as caught:
        backend.deliver_ticket_opened(ticket_opened())

    assert caught.value.retryable is True


def test_refused_connection_on_a_read_is_retryable(
    closed_port_url: str, evermemos_backend_factory: BackendFactory
) -> None:
    backend = evermemos_backend_factory(closed_port_url)

    with pytest.raises(MemoryBackendError) as caught:
        backend.customer_profile(customer_id=CUSTOMER)

    assert caught.value.retryable is True


def test_malformed_json_on_a_delivery_is_not_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.malformed_next("/memories")

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is False
    assert "malformed JSON" in str(caught.value)


def test_malformed_json_on_a_read_is_not_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.malformed_next("/memories/search")

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.related_tickets(customer_id=CUSTOMER, query="printer")

    assert caught.value.retryable is False


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        {"status": "ok", "result": ["memories"]},
        {"status": "ok", "result": {"memories": "none"}},
        {"data": {"episodes": []}},  # another API version's shape
        {"status": "failed", "code": "HTTP_ERROR", "message": "reported as 200"},
    ],
)
def test_unexpected_read_shapes_are_not_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend, body: object
) -> None:
    evermemos_server.fail_next("/memories", 200, body=body, method="GET")

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.ticket_memories(customer_id=CUSTOMER, group_id="ticket_42")

    assert caught.value.retryable is False


def test_unexpected_delivery_shape_is_not_retryable(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories", 200, body="accepted")

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is False


def test_retry_after_a_processed_500_comes_back_duplicate(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.process_then_fail_next("/memories", 500)

    with pytest.raises(MemoryBackendError) as caught:
        evermemos_backend.deliver_message(message_posted())
    retried = evermemos_backend.deliver_message(message_posted())

    assert caught.value.retryable is True
    assert retried == DeliveryOutcome.DUPLICATE
    assert len(evermemos_server.messages("ticket_42")) == 1


def test_failed_global_scene_is_sent_again_with_the_next_ticket(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/memories/conversation-meta", 503, method="POST")

    with pytest.raises(MemoryBackendError):
        evermemos_backend.deliver_ticket_opened(ticket_opened(42))
    evermemos_backend.deliver_ticket_opened(ticket_opened(42))

    posts = evermemos_server.requests_to("/memories/conversation-meta", "POST")
    assert [post.json.get("group_id") for post in posts] == [None, None, "ticket_42"]
    assert evermemos_server.meta() is not None


def test_health_reports_a_refused_connection_without_raising(
    closed_port_url: str, evermemos_backend_factory: BackendFactory
) -> None:
    health = evermemos_backend_factory(closed_port_url).health()

    assert (health.ok, health.backend) == (False, "evermemos")
    assert "ConnectError" in health.detail


def test_health_reports_a_server_error_without_raising(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.fail_next("/health", 503)

    health = evermemos_backend.health()

    assert health.ok is False
    assert "503" in health.detail


def test_health_reports_a_timeout_without_raising(
    evermemos_server: EverMemOSServer, evermemos_backend: EverMemOSBackend
) -> None:
    evermemos_server.delay_next("/health", 1.0)

    health = evermemos_backend.health()

    assert health.ok is False
    assert "Timeout" in health.detail


def test_reads_give_up_at_the_read_timeout_while_deliveries_wait_longer(
    evermemos_server: EverMemOSServer,
    evermemos_backend_factory: Callable[..., EverMemOSBackend],
) -> None:
    backend = evermemos_backend_factory(evermemos_server, timeout=3.0, read_timeout=0.2)
    evermemos_server.delay_next("/memories/search", 0.6, times=2)
    evermemos_server.delay_next("/memories", 0.6, method="POST")

    with pytest.raises(MemoryBackendError, match="timed out"):
        backend.customer_profile(customer_id=CUSTOMER, query="router")
    backend.deliver_ticket_opened(ticket_opened())
    assert backend.deliver_message(message_posted()) == DeliveryOutcome.DELIVERED
