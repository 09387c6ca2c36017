"""EverMemOS v1 names a ticket and a time, not a message: the context shows the segment's
messages from our own table (page, context API), against the loopback v1 server."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.memory import ids
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.selectors.sources import message_windows
from helpdesk.memory.types import Source
from tests.memory.conftest import CLIENT_TIMEOUT
from tests.memory.evermemos_v1_server import EverMemOSV1Server
from tests.mirror_helpers import deliver_all
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def v1_server(settings: Settings) -> Iterator[EverMemOSV1Server]:
    with EverMemOSV1Server() as server:
        settings.MEMORY_BACKEND = "evermemos"
        settings.EVERMEMOS_API_VERSION = "v1"
        settings.EVERMEMOS_BASE_URL = server.base_url
        settings.EVERMEMOS_TIMEOUT = CLIENT_TIMEOUT
        settings.EVERMEMOS_CONNECT_TIMEOUT = CLIENT_TIMEOUT
        settings.EVERMEMOS_READ_TIMEOUT = CLIENT_TIMEOUT
        yield server


def post(ticket: Ticket, bodies: list[str], first_minute: int) -> list[Message]:
    """Messages a minute apart, the customer first, then customer and agent in turn."""
    return [
        services.message_record(
            ticket=ticket,
            role=Message.Role.CUSTOMER if index % 2 == 0 else Message.Role.AGENT,
            body=body,
            created_at=START + datetime.timedelta(minutes=first_minute + index),
        ).message
        for index, body in enumerate(bodies)
    ]


def flush(server: EverMemOSV1Server, ticket: Ticket) -> None:
    """The server cuts a segment here (as its boundary detection may, mid-ticket)."""
    response = httpx.post(
        f"{server.base_url}/api/v1/memories/group/flush",
        json={"group_id": ids.group_id(ticket.pk)},
        timeout=5,
    )
    assert response.json()["data"]["status"] == "extracted"


@pytest.fixture
def segments(v1_server: EverMemOSV1Server, ada: Customer) -> dict[str, list[Message] | Ticket]:
    """A past ticket (one segment, 3 messages) and an open one cut into two segments (3 + 2)."""
    past = services.ticket_create(customer=ada, subject="Printer offline", created_at=START)
    past_messages = post(
        past, ["My printer is offline", "Restart it please", "The printer works again"], 0
    )
    services.ticket_close(ticket=past, status=Ticket.Status.RESOLVED, actor=None)
    current = services.ticket_create(
        customer=ada, subject="Printer again", created_at=START + datetime.timedelta(hours=1)
    )
    first = post(current, ["The printer is offline again", "Which light is on?", "Red"], 60)
    deliver_all()
    flush(v1_server, current)
    second = post(current, ["The red light blinks on the printer", "Replace the toner"], 70)
    deliver_all()
    flush(v1_server, current)
    return {"past": past, "current": current, "past_messages": past_messages,
            "first": first, "second": second}  # fmt: skip


def pks(messages: object) -> tuple[int, ...]:
    assert isinstance(messages, list)
    return tuple(message.pk for message in messages)


def test_each_segment_maps_to_its_own_messages(segments) -> None:
    context = ticket_context(ticket=segments["current"], query="printer offline")

    windows = sorted(
        (m.source.window for m in context.ticket_memories if m.source.window),
        key=lambda window: window.first_number,
    )
    assert [w.message_ids for w in windows] == [pks(segments["first"]), pks(segments["second"])]
    assert [(w.first_number, w.last_number) for w in windows] == [(1, 3), (4, 5)]
    for memory in context.ticket_memories:
        assert memory.source.message_id == memory.source.window.message_ids[0]


def test_a_past_ticket_links_to_its_segment(segments) -> None:
    context = ticket_context(ticket=segments["current"], query="printer offline")

    (related,) = context.related_tickets
    assert related.ticket_id == segments["past"].pk
    assert related.message_ids == pks(segments["past_messages"])
    assert related.message_numbers == (1, 3)
    assert related.message_id == segments["past_messages"][0].pk


def test_the_context_api_gives_the_message_ids(api_client: APIClient, segments) -> None:
    body = api_client.get(
        f"/api/tickets/{segments['current'].pk}/context/", {"query": "printer offline"}
    ).json()

    assert sorted(tuple(m["source_messages"]) for m in body["ticket_memories"]) == [
        pks(segments["first"]),
        pks(segments["second"]),
    ]
    (related,) = body["related_tickets"]
    assert related["source_messages"] == list(pks(segments["past_messages"]))
    assert related["source_message"] == segments["past_messages"][0].pk


def test_the_ticket_page_panels_show_the_message_range(agent_client: Client, segments) -> None:
    current, past = segments["current"], segments["past"]

    page = agent_client.get(
        f"/tickets/{current.pk}/context/", {"query": "printer offline"}
    ).content.decode()

    first = segments["first"][0].pk
    assert (
        f'href="#message-{first}" title="The messages it came from">messages 1\N{EN DASH}3</a>'
        in page
    )
    assert "messages 4\N{EN DASH}5" in page
    assert f'{past.reference}</span><span class="muted">, messages 1\N{EN DASH}3</span>' in page
    assert f"#message-{segments['past_messages'][0].pk}" in page


def test_a_time_before_any_message_leaves_the_ticket_link_alone(segments) -> None:
    ticket = segments["past"]
    early = Source(ticket_id=ticket.pk, until=START - datetime.timedelta(days=1))

    assert message_windows([early]) == {}


def test_a_message_in_the_same_millisecond_as_the_segment_end_belongs_to_it(ada) -> None:
    ticket = services.ticket_create(customer=ada, subject="Timing", created_at=START)
    at = START + datetime.timedelta(microseconds=1_500)  # 1.5 ms: the wire says 1 ms
    message = services.message_record(
        ticket=ticket, role=Message.Role.CUSTOMER, body="Hello", created_at=at
    ).message
    until = START + datetime.timedelta(milliseconds=1)

    (window,) = message_windows([Source(ticket_id=ticket.pk, until=until)]).values()

    assert window.message_ids == (message.pk,)
