"""Fixtures of the channel tests: the support address, files in a temporary folder, a gateway."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings
from rest_framework.response import Response
from rest_framework.test import APIClient

from tests.channels.imap_server import box, imap_server  # noqa: F401 (fixtures)
from tests.conftest import token_client
from tests.factories import IntegrationFactory

MAIL_DIR = Path(__file__).resolve().parents[1] / "data" / "mail"
SUPPORT = "support@helpdesk.example"
INBOUND_URL = "/api/inbound/email/"


def mail_bytes(name: str) -> bytes:
    return (MAIL_DIR / name).read_bytes()


def post_mail(client: APIClient, raw: bytes) -> Response:
    response: Response = client.post(INBOUND_URL, data=raw, content_type="message/rfc822")
    return response


@pytest.fixture(autouse=True)
def _mail_settings(settings: Settings, tmp_path: Path) -> None:
    settings.SUPPORT_EMAIL_ADDRESSES = [SUPPORT]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def gateway(db: None) -> User:
    """The mail gateway's account: an integration."""
    return IntegrationFactory(username="mail-gateway")


@pytest.fixture
def gateway_client(gateway: User) -> APIClient:
    return token_client(gateway)
