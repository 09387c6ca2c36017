"""Internal notes: agents write them on a ticket; the customer never sees them.

A note (role "note") is never e-mailed, never shown in the chat widget, never mirrored to
memory (what memory holds can reach drafts and the bot) and never quoted in a draft or a
bot answer; it does not count as our side answering.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.assist.bot import ticket_bot_reply
from helpdesk.assist.drafts import ticket_material, ticket_suggested_reply
from helpdesk.channels.models import OutgoingMail, WidgetSite
from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.selectors.context import ticket_context
from helpdesk.memory.services.backfill import mirror_backfill
from tests.factories import CustomerFactory, TicketFactory
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Customer is on the watch list; internal code ZEBRA-77, do not mention."


def note(ticket: Ticket, author: User, body: str = SECRET_NOTE) -> Message:
    return services.message_record(
        ticket=ticket, role=Message.Role.NOTE, body=body, author=author
    ).message


def test_a_note_through_the_api_is_the_callers_and_changes_no_conversation(
    api_client: APIClient, agent: User, ticket: Ticket
) -> None:
    before = Ticket.objects.get(pk=ticket.pk).last_message_at

    response = api_client.post(
        f"/api/tickets/{ticket.pk}/messages/", {"role": "note", "body": SECRET_NOTE}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["role"] == "note"
    stored = Message.objects.get(pk=response.json()["id"])
    assert stored.author == agent
    assert Ticket.objects.get(pk=ticket.pk).last_message_at == before
    assert not MirrorEntry.objects.filter(message_id=stored.pk).exists()


def test_a_note_is_never_mirrored_by_a_backfill_either(agent: User, ticket: Ticket) -> None:
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="It drops.")
    written = note(ticket, agent)
    MirrorEntry.objects.all().delete()

    mirror_backfill(everything=True)

    mirrored = set(
        MirrorEntry.objects.exclude(message_id=None).values_list("message_id", flat=True)
    )
    assert written.pk not in mirrored
    assert len(mirrored) == 1


def test_a_note_on_an_email_ticket_is_not_mailed(agent: User) -> None:
    ticket = TicketFactory(
        customer=CustomerFactory(email="ada@example.com"), channel=Ticket.Channel.EMAIL
    )
    services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="Hello?")

    note(ticket, agent)
    services.message_record(ticket=ticket, role=Message.Role.AGENT, body="Hi!", author=agent)

    assert list(OutgoingMail.objects.values_list("message__body", flat=True)) == ["Hi!"]


def test_a_note_does_not_count_as_an_answer_and_is_never_quoted(
    agent: User, ticket: Ticket
) -> None:
    services.message_record(
        ticket=ticket, role=Message.Role.CUSTOMER, body="My router drops every evening."
    )
    note(ticket, agent)

    material = ticket_material(ticket=ticket, context=ticket_context(ticket=ticket))
    draft = ticket_suggested_reply(ticket=ticket, agent=agent)
    answer = ticket_bot_reply(ticket=ticket)

    assert [turn.role for turn in material.turns] == ["customer"]

    assert not draft.waiting_for_customer, "the customer still waits for an answer"
    assert draft.text
    for text in (draft.text, answer.message.body):
        assert "ZEBRA" not in text
        assert "watch list" not in text


def test_the_widget_never_shows_a_note(client: Client, agent: User) -> None:
    site = WidgetSite.objects.create(name="Shop", origins="https://shop.example.com")
    headers = {"HTTP_ORIGIN": "https://shop.example.com"}
    started = client.post(
        "/api/widget/session/",
        json.dumps({"site": site.key}),
        content_type="application/json",
        **headers,
    ).json()
    visitor = {**headers, "HTTP_AUTHORIZATION": f"Visitor {started['token']}"}
    client.post(
        "/api/widget/messages/",
        json.dumps({"body": "Is my order shipped?"}),
        content_type="application/json",
        **visitor,
    )
    note(Ticket.objects.get(), agent)

    shown = client.get("/api/widget/messages/", **visitor).json()["messages"]

    assert [m["role"] for m in shown] == ["customer", "bot"]
    assert all("ZEBRA" not in m["body"] for m in shown)


def test_an_agent_adds_a_note_in_the_portal(client: Client, agent: User, ticket: Ticket) -> None:
    client.force_login(agent)

    response = client.post(
        f"/tickets/{ticket.pk}/reply/",
        {"body": SECRET_NOTE, "then_status": "", "as_note": "1"},
        follow=True,
    )

    stored = Message.objects.get()
    assert (stored.role, stored.author) == (Message.Role.NOTE, agent)
    page = response.content.decode()
    assert f"Internal note added to {ticket.reference}" in page
    assert 'class="message message-note"' in page
    assert "only agents see this" in page


def test_imports_bring_conversations_not_notes() -> None:
    from django.core.exceptions import ValidationError

    from tickets.services.bulk import ImportCustomer, ImportMessage, ImportTicket, bulk_import

    now = timezone.now()
    customer = ImportCustomer(
        external_id="crm-1",
        name="Ada",
        created_at=now,
        tickets=(
            ImportTicket(
                subject="Hello",
                created_at=now,
                messages=(ImportMessage(role="note", body="internal", created_at=now),),
            ),
        ),
    )
    with pytest.raises(ValidationError, match="Unknown role"):
        bulk_import(customers=[customer])


def test_a_batch_mirrors_its_messages_but_not_its_notes(
    api_client: APIClient, ticket: Ticket
) -> None:
    response = api_client.post(
        "/api/messages/batch/",
        {
            "messages": [
                {"ticket": ticket.pk, "role": "customer", "body": "Still dropping."},
                {"ticket": ticket.pk, "role": "note", "body": SECRET_NOTE},
            ]
        },
        format="json",
    )

    customer_id, note_id = (r["id"] for r in response.json()["results"])
    mirrored = set(MirrorEntry.objects.values_list("message_id", flat=True))
    assert customer_id in mirrored
    assert note_id not in mirrored
