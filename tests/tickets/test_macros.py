"""Macros: canned replies with placeholders and actions, shared or an agent's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import AgentFactory, CustomerFactory, TicketFactory
from tickets.models import Macro, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

BODY = (
    "Hi {first_name},\n\nYour refund for {reference} is on its way.\n\n{agent_first_name} {unknown}"
)


@pytest.fixture
def refund() -> Macro:
    return Macro.objects.create(
        name="Refund sent",
        body=BODY,
        set_status=Ticket.Status.PENDING,
        set_priority=Ticket.Priority.LOW,
        add_tags=["refund", "Billing"],
    )


@pytest.fixture
def ada_ticket() -> Ticket:
    return TicketFactory(customer=CustomerFactory(name="Ada Lovelace"), subject="Double charge")


def test_the_api_lists_shared_and_own_macros_written_out_for_a_ticket(
    api_client: APIClient, agent: User, refund: Macro, ada_ticket: Ticket
) -> None:
    agent.first_name = "Maria"
    agent.save()
    Macro.objects.create(name="Mine", body="x", owner=agent)
    Macro.objects.create(name="Someone else's", body="y", owner=AgentFactory())

    response = api_client.get("/api/macros/", {"ticket": ada_ticket.pk})

    assert response.status_code == 200
    listed = {m["name"]: m for m in response.json()["results"]}
    assert set(listed) == {"Refund sent", "Mine"}
    assert listed["Refund sent"]["rendered"] == (
        f"Hi Ada,\n\nYour refund for {ada_ticket.reference} is on its way.\n\nMaria {{unknown}}"
    )
    assert listed["Refund sent"]["shared"] is True
    assert listed["Mine"]["owner"] == agent.username
    assert api_client.get("/api/macros/").json()["results"][0]["rendered"] is None
    assert api_client.get("/api/macros/", {"ticket": "nope"}).status_code == 400


def test_sending_a_reply_with_a_macro_applies_it_and_counts_it(
    client: Client, agent: User, refund: Macro, ada_ticket: Ticket
) -> None:
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ada_ticket.pk}/reply/",
        {"body": "", "macro": refund.pk, "then_status": ""},
        follow=True,
    )

    message = Message.objects.get()
    assert message.body.startswith("Hi Ada,")
    assert ada_ticket.reference in message.body
    ada_ticket.refresh_from_db()
    assert (ada_ticket.status, ada_ticket.priority) == (Ticket.Status.PENDING, Ticket.Priority.LOW)
    assert sorted(ada_ticket.tags.names()) == ["Billing", "refund"]
    refund.refresh_from_db()
    assert refund.usage_count == 1
    kinds = set(TicketEvent.objects.values_list("kind", flat=True))
    assert {"status_changed", "priority_changed", "tags_changed"} <= kinds
    assert "Macro “Refund sent” used and set priority, tags, status." in response.content.decode()


def test_a_text_edited_after_picking_the_macro_is_what_is_sent(
    client: Client, agent: User, refund: Macro, ada_ticket: Ticket
) -> None:
    client.force_login(agent)

    client.post(
        f"/tickets/{ada_ticket.pk}/reply/",
        {"body": "Edited by hand.", "macro": refund.pk, "then_status": ""},
    )

    assert Message.objects.get().body == "Edited by hand."


def test_another_agents_macro_cannot_be_used(
    client: Client, agent: User, ada_ticket: Ticket
) -> None:
    theirs = Macro.objects.create(name="Theirs", body="secret", owner=AgentFactory())
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ada_ticket.pk}/reply/", {"body": "", "macro": theirs.pk, "then_status": ""}
    )

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_the_ticket_page_offers_the_macros_written_out(
    client: Client,
    agent: User,
    refund: Macro,
    ada_ticket: Ticket,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(agent)

    page = client.get(f"/tickets/{ada_ticket.pk}/").content.decode()

    assert "data-macro-select" in page
    assert f'data-body="Hi Ada,\n\nYour refund for {ada_ticket.reference}' in page
    assert "type / for a macro" in page


def test_a_reply_without_text_or_macro_says_why(
    client: Client, agent: User, ada_ticket: Ticket
) -> None:
    client.force_login(agent)

    response = client.post(f"/tickets/{ada_ticket.pk}/reply/", {"body": "  ", "then_status": ""})

    assert response.status_code == 400
    assert "A reply needs some text." in response.content.decode()
