"""A mail is a customer message like any other: its secrets are masked on the way to memory."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from helpdesk.memory.models import MemoryDocument, MirrorEntry
from tests.channels.conftest import mail_bytes, post_mail
from tests.mirror_helpers import deliver_all

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


def test_card_number_in_a_mail_never_reaches_the_memory_backend(
    gateway_client: APIClient,
) -> None:
    assert post_mail(gateway_client, mail_bytes("card_number.eml")).status_code == 201

    deliver_all()

    assert not MirrorEntry.objects.exclude(state=MirrorEntry.State.DELIVERED).exists()
    stored = json.dumps(list(MemoryDocument.objects.values_list("speaker", "text")))
    assert "declined at checkout" in stored
    assert CARD not in stored
    assert CARD.replace(" ", "") not in stored
    assert "<CARD_1>" in stored
