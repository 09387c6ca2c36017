"""`GET /api/attachments/{id}/`: agents get the file's bytes; nobody else does."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from helpdesk.channels.models import Attachment
from tests.channels.conftest import mail_bytes, post_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(gateway_client: APIClient) -> Attachment:
    post_mail(gateway_client, mail_bytes("attachment_pdf.eml"))
    return Attachment.objects.get()


def _url(attachment: Attachment) -> str:
    return f"/api/attachments/{attachment.pk}/"


def test_anonymous_api_client_gets_401(anonymous_api_client: APIClient, pdf: Attachment) -> None:
    assert anonymous_api_client.get(_url(pdf)).status_code == 401


def test_anonymous_browser_gets_no_file(client: Client, pdf: Attachment) -> None:
    response = client.get(_url(pdf))

    assert response.status_code in {401, 403, 302}
    assert b"%PDF" not in response.content


def test_non_agent_gets_403(non_agent_api_client: APIClient, pdf: Attachment) -> None:
    assert non_agent_api_client.get(_url(pdf)).status_code == 403


def test_agent_gets_the_bytes_as_a_download(api_client: APIClient, pdf: Attachment) -> None:
    response = api_client.get(_url(pdf), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf.file.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice-1123.pdf"'


def test_agent_in_the_portal_gets_the_bytes(agent_client: Client, pdf: Attachment) -> None:
    response = agent_client.get(_url(pdf))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def test_html_attachment_is_never_served_as_html(
    gateway_client: APIClient, api_client: APIClient
) -> None:
    raw = (
        b"From: Mallory Evil <mallory@attacker.example>\nSubject: page\n"
        b"Message-ID: <html-attachment@attacker.example>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
        b"See the page.\n--b\nContent-Type: text/html\n"
        b'Content-Disposition: attachment; filename="page.html"\n\n'
        b"<script>alert(document.cookie)</script>\n--b--\n"
    )
    post_mail(gateway_client, raw)

    response = api_client.get(_url(Attachment.objects.get()))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_unknown_attachment_is_404(api_client: APIClient) -> None:
    assert api_client.get("/api/attachments/999999/").status_code == 404
