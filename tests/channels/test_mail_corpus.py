"""Every mail of the corpus (tests/data/mail/manifest.json) through the real endpoint.

Each entry says what the mail must become: a message on a new ticket or on the ticket of
the mail posted before it, with this text and these files; ignored, and why; or refused
with a 4xx. A mail taken in is then posted again: the same message, nothing new (200).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.channels.models import Attachment, InboundMail
from tests.channels.conftest import MAIL_DIR, mail_bytes, post_mail
from tickets import services
from tickets.models import Message, Ticket, format_reference

pytestmark = pytest.mark.django_db

MANIFEST: list[dict[str, Any]] = json.loads(
    (MAIL_DIR / "manifest.json").read_text(encoding="utf-8")
)


def _counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def test_the_corpus_is_big_and_every_mail_has_an_entry() -> None:
    files = sorted(path.name for path in MAIL_DIR.glob("*.eml"))

    assert len(files) >= 40
    assert sorted(entry["file"] for entry in MANIFEST) == files


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_corpus_mail_has_its_expected_outcome(
    entry: dict[str, Any], gateway_client: APIClient, settings: Settings
) -> None:
    for name, value in entry.get("settings", {}).items():
        setattr(settings, name, value)
    earlier = [post_mail(gateway_client, mail_bytes(name)) for name in entry.get("before", [])]
    assert [response.status_code for response in earlier] == [201] * len(earlier)
    earlier_ticket = earlier[0].json()["ticket"] if earlier else None
    if entry.get("close_before"):
        ticket = Ticket.objects.get(pk=earlier_ticket)
        services.ticket_close(ticket=ticket, status=Ticket.Status.CLOSED, actor=None)
    raw = mail_bytes(entry["file"])
    if earlier_ticket is not None:
        raw = raw.replace(b"@@REFERENCE@@", format_reference(earlier_ticket).encode())
    before = _counts()

    response = post_mail(gateway_client, raw)

    assert response.status_code == entry["status"], response.content
    if entry["status"] == 202:
        assert response.json() == {"ignored": entry["ignored"]}
        assert _counts() == before
        assert InboundMail.objects.filter(ignored_reason=entry["ignored"]).exists()
        return
    if entry["status"] != 201:
        assert response.json(), "a 4xx says why"
        assert _counts() == before
        return
    answer = response.json()
    message = Message.objects.select_related("ticket__customer").get(pk=answer["message"])
    assert message.body == entry["body"]
    assert message.role == Message.Role.CUSTOMER
    assert answer["created_ticket"] is (entry["ticket"] == "new")
    assert answer["reference"] == format_reference(answer["ticket"])
    if entry["ticket"] == "existing":
        assert answer["ticket"] == earlier_ticket
    else:
        assert answer["ticket"] != earlier_ticket
        assert message.ticket.channel == Ticket.Channel.EMAIL
    if "subject" in entry:
        assert message.ticket.subject == entry["subject"]
    if "customer" in entry:
        assert [message.ticket.customer.email, message.ticket.customer.name] == entry["customer"]
    files = [[item["filename"], item["size"]] for item in answer["attachments"]]
    assert files == entry["attachments"]
    stored = [[a.filename, a.file.size] for a in message.attachments.order_by("id")]
    assert stored == entry["attachments"]

    again = post_mail(gateway_client, raw)

    assert again.status_code == 200
    assert again.json()["message"] == answer["message"]
    assert again.json()["created_ticket"] is False
    assert Message.objects.count() == before["messages"] + 1
