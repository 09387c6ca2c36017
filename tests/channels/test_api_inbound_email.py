"""`POST /api/inbound/email/`: who may post, what a bad body gets, what a mail leaves behind."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from helpdesk.channels.models import InboundMail
from tests.channels.conftest import INBOUND_URL, mail_bytes, post_mail
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def test_anonymous_post_is_401(anonymous_api_client: APIClient) -> None:
    response = post_mail(anonymous_api_client, mail_bytes("gmail_new_plain.eml"))

    assert response.status_code == 401
    assert not Ticket.objects.exists()


def test_non_agent_post_is_403(non_agent_api_client: APIClient) -> None:
    response = post_mail(non_agent_api_client, mail_bytes("gmail_new_plain.eml"))

    assert response.status_code == 403


def test_agent_without_ticket_rights_is_403(readonly_api_client: APIClient) -> None:
    response = post_mail(readonly_api_client, mail_bytes("gmail_new_plain.eml"))

    assert response.status_code == 403


def test_json_body_is_415(gateway_client: APIClient) -> None:
    response = gateway_client.post(INBOUND_URL, {"body": "hello"}, format="json")

    assert response.status_code == 415


def test_empty_body_is_400(gateway_client: APIClient) -> None:
    response = post_mail(gateway_client, b"")

    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_mail_over_the_limit_is_413_before_it_is_read(
    gateway_client: APIClient, settings: Settings
) -> None:
    settings.INBOUND_EMAIL_MAX_BYTES = 1_000
    raw = mail_bytes("gmail_new_plain.eml") + b"x" * 1_000

    response = post_mail(gateway_client, raw)

    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]


def test_new_mail_answers_the_contract_fields(gateway_client: APIClient) -> None:
    response = post_mail(gateway_client, mail_bytes("gmail_new_plain.eml"))

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body == {
        "ticket": ticket.pk,
        "reference": ticket.reference,
        "message": ticket.messages.get().pk,
        "created_ticket": True,
        "attachments": [],
    }


def test_message_keeps_the_message_id_and_who_posted_it(
    gateway_client: APIClient, gateway: User
) -> None:
    post_mail(gateway_client, mail_bytes("gmail_new_plain.eml"))

    message = Message.objects.get()
    assert message.external_id == "CAH7x-gmail-new-1@mail.gmail.com"
    assert message.inbound_mail.mail_id == "CAH7x-gmail-new-1@mail.gmail.com"
    assert message.posted_by == gateway
    assert message.author_name == "Ada Lovelace"


def test_mail_without_message_id_is_still_taken_once(gateway_client: APIClient) -> None:
    raw = mail_bytes("no_message_id.eml")

    first = post_mail(gateway_client, raw)
    second = post_mail(gateway_client, raw)

    assert (first.status_code, second.status_code) == (201, 200)
    assert Message.objects.count() == 1
    assert InboundMail.objects.get().mail_id.endswith("@inbound.invalid")


def test_ignored_mail_is_logged_with_its_reason(
    gateway_client: APIClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="helpdesk.channels.services"):
        response = post_mail(gateway_client, mail_bytes("auto_submitted_ooo.eml"))

    assert response.status_code == 202
    assert "<ooo-auto-submitted@example.com> ignored: auto-reply" in caplog.text
    record = InboundMail.objects.get()
    assert (record.ignored_reason, record.message) == ("auto-reply", None)


def test_ignored_mail_posted_again_is_ignored_again(gateway_client: APIClient) -> None:
    raw = mail_bytes("bounce_dsn_postfix.eml")

    answers = [post_mail(gateway_client, raw) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [202, 202]
    assert [answer.json() for answer in answers] == [{"ignored": "bounce"}] * 2
    assert InboundMail.objects.count() == 1


def test_reply_to_a_resolved_ticket_reopens_it(gateway_client: APIClient) -> None:
    first = post_mail(gateway_client, mail_bytes("gmail_new_plain.eml")).json()
    ticket = Ticket.objects.get(pk=first["ticket"])
    ticket.status = Ticket.Status.RESOLVED
    ticket.save()

    reply = post_mail(gateway_client, mail_bytes("gmail_reply_quoted.eml")).json()

    assert reply["ticket"] == first["ticket"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_reply_to_a_closed_ticket_opens_a_follow_up(gateway_client: APIClient) -> None:
    first = post_mail(gateway_client, mail_bytes("gmail_new_plain.eml")).json()
    Ticket.objects.filter(pk=first["ticket"]).update(status=Ticket.Status.CLOSED)

    reply = post_mail(gateway_client, mail_bytes("gmail_reply_quoted.eml")).json()
    later = post_mail(gateway_client, mail_bytes("reply_by_references_only.eml")).json()

    assert reply["created_ticket"] is True
    assert reply["ticket"] != first["ticket"]
    assert Ticket.objects.get(pk=first["ticket"]).messages.count() == 1
    # Later replies in the same thread go on in the follow-up, not one ticket each.
    assert later["ticket"] == reply["ticket"]


def test_mail_body_longer_than_a_message_is_cut_and_kept_whole_as_a_file(
    gateway_client: APIClient, settings: Settings
) -> None:
    settings.MESSAGE_BODY_MAX_LENGTH = 1_000
    text = "The sync log says:\n" + "line of the log\n" * 200
    raw = (
        b"From: Bob Stone <bob.stone@example.com>\nSubject: Long log\n"
        b"Message-ID: <long-log@example.com>\nContent-Type: text/plain; charset=utf-8\n\n"
        + text.encode()
    )

    answer = post_mail(gateway_client, raw).json()

    message = Message.objects.get(pk=answer["message"])
    assert len(message.body) <= 1_000
    assert message.body.endswith("its whole text is attached as message.txt.]")
    (attachment,) = message.attachments.all()
    assert attachment.filename == "message.txt"
    assert attachment.file.read().decode() == text.strip()


@pytest.mark.parametrize(
    "sender", ["ada@@example.com", "ada@", f"{'a' * 250}@example.com", "<ada example.com>"]
)
def test_sender_that_is_no_address_is_400(gateway_client: APIClient, sender: str) -> None:
    raw = f"From: {sender}\nSubject: hi\nMessage-ID: <x@example.com>\n\nHello.\n".encode()

    response = post_mail(gateway_client, raw)

    assert response.status_code == 400
    assert not Ticket.objects.exists()
