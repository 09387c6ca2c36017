"""Pages: the admin lists mail taken in and its files; the ticket page links the files."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from helpdesk.channels.models import Attachment, InboundMail
from tests.channels.conftest import mail_bytes, post_mail

pytestmark = pytest.mark.django_db


def test_inbound_mail_list_shows_ignored_reasons(
    superuser_client: Client, gateway_client: APIClient
) -> None:
    post_mail(gateway_client, mail_bytes("bounce_dsn_postfix.eml"))
    post_mail(gateway_client, mail_bytes("gmail_new_plain.eml"))

    response = superuser_client.get("/admin/channels/inboundmail/?ignored_reason=bounce")

    assert response.status_code == 200
    assert b"20241204100000.ABC123@mx.helpdesk.example" in response.content
    assert b"CAH7x-gmail-new-1" not in response.content


def test_inbound_mail_page_is_read_only(
    superuser_client: Client, gateway_client: APIClient
) -> None:
    post_mail(gateway_client, mail_bytes("gmail_new_plain.eml"))
    record = InboundMail.objects.get()

    response = superuser_client.get(f"/admin/channels/inboundmail/{record.pk}/change/")

    assert response.status_code == 200
    assert b'name="mail_id"' not in response.content
    assert superuser_client.get("/admin/channels/inboundmail/add/").status_code == 403


def test_attachment_pages_render(superuser_client: Client, gateway_client: APIClient) -> None:
    post_mail(gateway_client, mail_bytes("attachment_pdf.eml"))
    attachment = Attachment.objects.get()

    listing = superuser_client.get("/admin/channels/attachment/")
    page = superuser_client.get(f"/admin/channels/attachment/{attachment.pk}/change/")

    assert listing.status_code == 200
    assert b"invoice-1123.pdf" in listing.content
    assert page.status_code == 200
    assert f'href="/api/attachments/{attachment.pk}/"'.encode() in page.content


def test_ticket_page_links_the_mail_attachments(
    agent_client: Client, gateway_client: APIClient
) -> None:
    answer = post_mail(gateway_client, mail_bytes("attachment_pdf.eml")).json()
    attachment = Attachment.objects.get()

    response = agent_client.get(f"/tickets/{answer['ticket']}/")

    assert response.status_code == 200
    assert f'href="/api/attachments/{attachment.pk}/"'.encode() in response.content
    assert b"invoice-1123.pdf" in response.content
