"""Only integrations sign messages with another name, and pages show who really posted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import token_client
from tests.factories import IntegrationFactory, MessageFactory
from tickets.agents import INTEGRATIONS_GROUP
from tickets.models import SET_MESSAGE_AUTHOR, Message, Ticket
from tickets.services import message_record

pytestmark = pytest.mark.django_db

SPOOF = "Head of Support"
REFUSAL = "Only integrations may sign a message with another name"


@pytest.fixture
def integration(db: None) -> User:
    return IntegrationFactory(username="chat-widget")


@pytest.fixture
def integration_client(integration: User) -> APIClient:
    return token_client(integration)


@pytest.fixture
def agent_session_client(agent: User) -> APIClient:
    """The API from a logged-in agent's browser: session, not token."""
    client = APIClient()
    client.force_login(agent)
    return client


def post(client: APIClient, ticket: Ticket, **fields: object) -> dict:
    response = client.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"role": "agent", "body": "Your refund is approved.", **fields},
        format="json",
    )
    return {"status": response.status_code, **response.json()}


def page(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_migrate_creates_the_integrations_group_with_the_permission() -> None:
    group = Group.objects.get(name=INTEGRATIONS_GROUP)

    assert list(group.permissions.values_list("codename", flat=True)) == ["set_message_author"]


def test_agents_lack_the_permission_and_integrations_have_it(
    agent: User, integration: User
) -> None:
    assert not agent.has_perm(SET_MESSAGE_AUTHOR)
    assert integration.has_perm(SET_MESSAGE_AUTHOR)


@pytest.mark.parametrize("client_name", ["api_client", "agent_session_client"])
def test_an_agent_cannot_post_under_another_name(
    client_name: str, ticket: Ticket, request: pytest.FixtureRequest
) -> None:
    client = request.getfixturevalue(client_name)

    answer = post(client, ticket, author_name=SPOOF)

    assert answer["status"] == 400
    assert REFUSAL in answer["author_name"][0]
    assert "tickets.set_message_author" in answer["author_name"][0]
    assert not Message.objects.exists()


def test_an_agent_posting_a_customer_message_cannot_rename_it(
    api_client: APIClient, ticket: Ticket
) -> None:
    answer = post(api_client, ticket, role="customer", author_name="Someone Else")

    assert answer["status"] == 400
    assert not Message.objects.exists()


def test_an_agent_without_author_name_posts_under_their_own_name(
    api_client: APIClient, ticket: Ticket, agent: User
) -> None:
    answer = post(api_client, ticket, author_name="")

    assert answer["status"] == 201
    assert (answer["author"], answer["posted_by"]) == ("Maria Garcia", "maria")
    stored = Message.objects.get()
    assert (stored.author, stored.posted_by, stored.author_name) == (agent, agent, "")


def test_an_integration_signs_with_the_name_it_relays(
    integration_client: APIClient, ticket: Ticket, integration: User
) -> None:
    answer = post(integration_client, ticket, author_name="Sam from Billing")

    assert answer["status"] == 201
    assert (answer["author"], answer["posted_by"]) == ("Sam from Billing", "chat-widget")
    stored = Message.objects.get()
    assert (stored.author_name, stored.posted_by) == ("Sam from Billing", integration)


def test_the_message_list_names_the_real_poster(
    integration_client: APIClient, api_client: APIClient, ticket: Ticket
) -> None:
    post(integration_client, ticket, author_name="Sam from Billing")
    MessageFactory(ticket=ticket, role="bot", author_name="Helpdesk bot")

    results = api_client.get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]

    assert [(m["author"], m["posted_by"]) for m in results] == [
        ("Sam from Billing", "chat-widget"),
        ("Helpdesk bot", None),
    ]


def test_a_superuser_may_sign_messages(superuser: User, ticket: Ticket) -> None:
    answer = post(token_client(superuser), ticket, author_name="Sam from Billing")

    assert answer["status"] == 201


def test_the_service_refuses_author_name_from_a_poster_without_the_permission(
    ticket: Ticket, agent: User
) -> None:
    with pytest.raises(ValidationError, match=REFUSAL):
        message_record(
            ticket=ticket, role="agent", body="Hi", author=agent, posted_by=agent, author_name=SPOOF
        )


def test_the_service_lets_callers_without_a_poster_sign(ticket: Ticket) -> None:
    """The bot and the demo data name themselves; no account posts for them."""
    recorded = message_record(ticket=ticket, role="bot", body="Hi", author_name="Helpdesk bot")

    assert (recorded.message.author_name, recorded.message.posted_by) == ("Helpdesk bot", None)


def test_the_page_shows_the_integration_beside_the_name_it_signed(
    integration_client: APIClient, agent_client: Client, ticket: Ticket
) -> None:
    post(integration_client, ticket, author_name="Sam from Billing")

    html = page(agent_client, ticket)

    assert "<strong>Sam from Billing</strong>" in html
    assert "via chat-widget</span>" in html


def test_the_page_shows_the_agent_who_posted_a_customer_message(
    api_client: APIClient, agent_client: Client, ticket: Ticket
) -> None:
    post(api_client, ticket, role="customer", body="I want a refund.")

    html = page(agent_client, ticket)

    assert "<strong>Ada Lovelace</strong>" in html
    assert "via Maria Garcia</span>" in html


def test_the_page_adds_nothing_when_the_poster_signs_as_themself(
    agent_client: Client, ticket: Ticket
) -> None:
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"body": "On it.", "then_status": ""})

    html = page(agent_client, ticket)

    assert "<strong>Maria Garcia</strong>" in html
    assert "message-poster" not in html
    assert Message.objects.get().posted_by is not None


def test_the_page_escapes_both_names(
    integration_client: APIClient, agent_client: Client, ticket: Ticket, integration: User
) -> None:
    integration.first_name = "<b>Widget</b>"
    integration.save()
    post(integration_client, ticket, author_name="<img src=x onerror=alert(1)>")

    html = page(agent_client, ticket)

    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "via &lt;b&gt;Widget&lt;/b&gt;</span>" in html
    assert "<img src=x" not in html
    assert "<b>Widget</b>" not in html
