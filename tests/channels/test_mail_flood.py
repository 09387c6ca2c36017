"""Mail bombs: past the hourly limit per sender, more mail from that address is ignored."""

from __future__ import annotations

import uuid

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from helpdesk.channels.models import InboundMail
from tests.channels.conftest import SUPPORT, post_mail
from tickets.models import Message

pytestmark = pytest.mark.django_db


def mail(sender: str, n: int, message_id: str = "") -> bytes:
    message_id = message_id or f"{uuid.uuid4().hex}@bomb.example"
    return (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: Hello {n}\r\n"
        f"Message-ID: <{message_id}>\r\n\r\nMail number {n}.\r\n"
    ).encode()


def test_a_flood_from_one_address_is_cut_at_the_hourly_limit(
    gateway_client: APIClient, settings: Settings
) -> None:
    settings.INBOUND_EMAIL_SENDER_HOURLY_LIMIT = 5
    first = mail("bomb@example.com", 0, "first@bomb.example")

    statuses = [post_mail(gateway_client, first).status_code]
    statuses += [
        post_mail(gateway_client, mail("Bomb@Example.com", n)).status_code for n in range(1, 40)
    ]

    assert statuses == [201] * 5 + [202] * 35
    assert Message.objects.count() == 5
    flood = InboundMail.objects.filter(ignored_reason=InboundMail.IgnoredReason.FLOOD)
    assert flood.count() == 35
    last = post_mail(gateway_client, mail("bomb@example.com", 99))
    assert last.json() == {"ignored": "flood"}
    again = post_mail(gateway_client, first)
    assert again.status_code == 200, "a mail taken in before still answers as one"
    other = post_mail(gateway_client, mail("someone.else@example.com", 1))
    assert other.status_code == 201, "another sender is not held back"


def test_the_limit_counts_the_last_hour_only(gateway_client: APIClient, settings: Settings) -> None:
    settings.INBOUND_EMAIL_SENDER_HOURLY_LIMIT = 2
    for n in range(2):
        assert post_mail(gateway_client, mail("busy@example.com", n)).status_code == 201
    assert post_mail(gateway_client, mail("busy@example.com", 2)).status_code == 202

    InboundMail.objects.update(received_at="2020-01-01T00:00:00Z")

    assert post_mail(gateway_client, mail("busy@example.com", 3)).status_code == 201


def test_no_limit_when_set_to_zero(gateway_client: APIClient, settings: Settings) -> None:
    settings.INBOUND_EMAIL_SENDER_HOURLY_LIMIT = 0

    statuses = {post_mail(gateway_client, mail("a@example.com", n)).status_code for n in range(8)}

    assert statuses == {201}
