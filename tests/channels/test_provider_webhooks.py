"""E-mail in through a mail provider's inbound webhook (django-anymail), as each provider posts.

Postmark (JSON, with and without the raw mail), Mailgun (raw MIME in a form, signed):
each mail becomes a message through the same path as the endpoint, only with the shared
secret (and Mailgun's signature); nothing is served while no secret is set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from helpdesk.channels.models import InboundMail
from tests.channels.conftest import SUPPORT, mail_bytes
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

SECRET = "mailhook:Zq8v3k-long-enough-secret"
SIGNING_KEY = "key-0123456789abcdef"
POSTMARK = "/inbound/anymail/postmark/inbound/"
MAILGUN = "/inbound/anymail/mailgun/inbound_mime/"


@pytest.fixture(autouse=True)
def _webhooks_on(settings: Settings) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    settings.INBOUND_EMAIL_WEBHOOKS = True


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_payload(message_id: str = "pm-1") -> dict[str, object]:
    return {
        "FromFull": {"Email": "ines@example.org", "Name": "Inès Duval"},
        "ToFull": [{"Email": SUPPORT, "Name": ""}],
        "Subject": "Facture en double — remboursement ?",
        "MessageID": message_id,
        "Date": "Thu, 3 Dec 2026 09:12:00 +0100",
        "TextBody": "Bonjour, j'ai été débitée deux fois pour la facture 2291.",
        "HtmlBody": "",
        "Headers": [{"Name": "Message-ID", "Value": f"<{message_id}@mail.example.org>"}],
        "Attachments": [],
    }


def post_raw(client: Client, raw: bytes) -> int:
    """Postmark with "include raw email content" on: the mail as it came, in `RawEmail`."""
    payload = {"RawEmail": raw.decode("utf-8", "replace"), "MessageID": "raw-1", "Headers": []}
    response = client.post(POSTMARK, json.dumps(payload), content_type="application/json", **auth())
    return int(response.status_code)


def test_postmark_json_becomes_a_ticket_once(client: Client) -> None:
    for _ in range(2):  # the provider retries: the same mail stays one message
        response = client.post(
            POSTMARK, json.dumps(postmark_payload()), content_type="application/json", **auth()
        )
        assert response.status_code == 200

    message = Message.objects.select_related("ticket__customer").get()
    assert message.body == "Bonjour, j'ai été débitée deux fois pour la facture 2291."
    assert message.ticket.subject == "Facture en double — remboursement ?"
    assert message.ticket.channel == Ticket.Channel.EMAIL
    assert (message.ticket.customer.email, message.ticket.customer.name) == (
        "ines@example.org",
        "Inès Duval",
    )
    assert InboundMail.objects.get().mail_id == "pm-1@mail.example.org"


@pytest.mark.parametrize("headers", [{}, auth("mailhook:wrong")])
def test_without_the_secret_nothing_is_taken(client: Client, headers: dict[str, str]) -> None:
    response = client.post(
        POSTMARK, json.dumps(postmark_payload()), content_type="application/json", **headers
    )

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_nothing_is_served_while_no_secret_is_set(client: Client, settings: Settings) -> None:
    settings.INBOUND_EMAIL_WEBHOOKS = False
    settings.ANYMAIL = {}

    response = client.post(
        POSTMARK, json.dumps(postmark_payload()), content_type="application/json", **auth()
    )

    assert response.status_code == 404
    assert not Message.objects.exists()


def test_raw_mime_goes_through_the_same_parsing(client: Client) -> None:
    raw = mail_bytes("outlook_reply_original_message.eml")

    assert post_raw(client, raw) == 200
    manifest = json.loads((mail_bytes("manifest.json")).decode())
    expected = next(e for e in manifest if e["file"] == "outlook_reply_original_message.eml")
    assert Message.objects.get().body == expected["body"]


@pytest.mark.parametrize(
    ("name", "reason"), [("auto_submitted_ooo.eml", "auto-reply"), ("loop_x_loop.eml", "loop")]
)
def test_auto_replies_and_loops_from_a_provider_are_ignored(
    client: Client, name: str, reason: str
) -> None:
    assert post_raw(client, mail_bytes(name)) == 200
    assert not Message.objects.exists()
    assert InboundMail.objects.get().ignored_reason == reason


def test_mail_that_cannot_be_read_is_logged_and_answered_200(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    status = post_raw(client, mail_bytes("malformed_no_from.eml"))

    assert status == 200, "a provider would retry an error forever"
    assert not Message.objects.exists()
    assert "cannot be taken in" in caplog.text


def _mailgun_fields(raw: bytes, key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = str(int(time.time())), "tok-" + hashlib.sha256(raw).hexdigest()[:20]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        "body-mime": raw.decode(),
        "timestamp": timestamp,
        "token": token,
        "signature": signature.hexdigest(),
        "recipient": SUPPORT,
        "sender": "ada@example.com",
    }


def test_mailgun_signed_raw_mime_becomes_a_ticket(client: Client) -> None:
    response = client.post(MAILGUN, _mailgun_fields(mail_bytes("gmail_new_plain.eml")), **auth())

    assert response.status_code == 200
    assert Message.objects.get().ticket.subject == "Router keeps dropping the connection"


def test_mailgun_with_a_wrong_signature_is_refused(client: Client) -> None:
    fields = _mailgun_fields(mail_bytes("gmail_new_plain.eml"), key="key-not-ours")

    response = client.post(MAILGUN, fields, **auth())

    assert response.status_code == 400
    assert not Message.objects.exists()
