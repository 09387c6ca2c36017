"""Fuzz the whole API from its own OpenAPI schema (schemathesis), as an agent with a token.

The schema is loaded from the running app (`/api/schema/`), so the fuzzer sees exactly what
integrations see. Every operation gets valid requests (positive) and invalid ones (negative);
half of them aim at a customer and ticket that exist, so requests get past the 404. Seeded:
CI generates the same requests every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.wsgi import application
from tests.factories import AgentFactory, CustomerFactory, MessageFactory, TicketFactory
from tickets.models import Message

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# The inbound e-mail endpoint takes a raw mail (message/rfc822): the generated body goes as
# bytes, the way application/octet-stream bodies go.
RAW_BODY_TYPES = ("message/rfc822",)
schemathesis.serializer.alias(list(RAW_BODY_TYPES), "application/octet-stream")

EXAMPLES_PER_MODE = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class World:
    """An agent with a token, a colleague to escalate to, a customer with a ticket."""

    def __init__(self) -> None:
        agent: User = AgentFactory(username="maria")
        AgentFactory(username="tom")
        self.customer = CustomerFactory(external_id="crm-fuzz", name="Ada Lovelace")
        self.ticket = TicketFactory(customer=self.customer, subject="Router keeps dropping")
        MessageFactory(ticket=self.ticket, role=Message.Role.CUSTOMER, body="It dropped again.")
        self.headers = {"Authorization": f"Token {Token.objects.create(user=agent).key}"}

    def point_at_existing(self, case: Any) -> None:
        params = case.path_parameters or {}
        if "ticket_pk" in params:
            params["ticket_pk"] = self.ticket.pk
        if "id" in params:
            params["id"] = self.ticket.pk if "/tickets/" in case.path else self.customer.pk


def fuzz_operation(operation: Any, world: World, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), existing=st.booleans())
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case: Any, existing: bool) -> None:
        if existing:
            world.point_at_existing(case)
        case.call_and_validate(headers=world.headers, checks=CHECKS)

    run()


def modes(operation: Any) -> list[GenerationMode]:
    """Negative requests need something to get wrong: a parameter or a body (any bytes are
    a raw mail's body, so it has nothing to get wrong)."""
    bodies = [body for body in operation.body if body.media_type not in RAW_BODY_TYPES]
    takes_input = any(
        len(parameters) for parameters in (operation.path_parameters, operation.query, bodies)
    )
    if takes_input:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    """The app is called as a server would; like Django's test client, keep the test's
    database connection (and its transaction) open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings: Settings) -> None:
    """Hundreds of requests from one agent: the rate limit would cut the search short."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None},
    }


@pytest.mark.usefixtures("wsgi_keeps_test_connection", "unthrottled")
def test_api_answers_every_generated_request_as_its_schema_says() -> None:
    world = World()
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers=world.headers
    )
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        for mode in modes(operation):
            try:
                fuzz_operation(operation, world, mode)
            except (Exception, FailureGroup) as error:  # every operation reports
                failures.append(f"{operation.label} ({mode}):\n{error}")
    assert not failures, "\n\n".join(failures)
