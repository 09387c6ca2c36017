"""A message POST makes a fixed, small number of queries (bench/load.py's ingest step).

Token and user (1: DRF's TokenAuthentication), the agent's permissions (2: Django's
ModelBackend reads the user's own, then their groups'), then the write: the ticket read and
locked with its customer, the message, its mirror outbox entry, the ticket's times (4), inside
a transaction (here a savepoint pair: the test runs in a transaction of its own).

The permissions were one hand-written query until the framework's backend came back; that is
the one query more in each figure below (8 to 9, 11 to 12, 6 to 7).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from helpdesk.memory.models import MirrorEntry
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def _post(client: APIClient, ticket: Ticket, **fields: object) -> tuple[int, list[str]]:
    body = {"role": "customer", "body": "It dropped again this morning.", **fields}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/tickets/{ticket.pk}/messages/", body, format="json")
    return response.status_code, [query["sql"] for query in queries.captured_queries]


def test_post_message_makes_nine_queries(api_client: APIClient, ticket: Ticket) -> None:
    status, queries = _post(api_client, ticket)

    assert status == 201
    assert len(queries) == 9, "\n".join(queries)


def test_post_message_with_external_id_adds_its_lookup_and_a_savepoint(
    api_client: APIClient, ticket: Ticket
) -> None:
    status, queries = _post(api_client, ticket, external_id="D1:3")

    assert status == 201
    assert len(queries) == 12, "\n".join(queries)


def test_post_message_repeated_external_id_stops_after_the_lookup(
    api_client: APIClient, ticket: Ticket
) -> None:
    _post(api_client, ticket, external_id="D1:3")

    status, queries = _post(api_client, ticket, external_id="D1:3")

    assert status == 200
    assert len(queries) == 7, "\n".join(queries)
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert MirrorEntry.objects.filter(kind=MirrorEntry.Kind.MESSAGE).count() == 1
