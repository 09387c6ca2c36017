"""The embedded engine extracts memories with the language model when one is configured."""

from __future__ import annotations

import json

import pytest

from customers.models import Customer
from helpdesk.memory.models import Memory
from tests.factories import CustomerFactory
from tests.llm_server import LLMServer, RecordedChat
from tests.mirror_helpers import deliver_all, ticket_with_messages

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def ada() -> Customer:
    return CustomerFactory(name="Ada Lovelace", email="ada@example.com")


def answer_citing_messages(chat: RecordedChat) -> str:
    """Extract like a model would: cite the ids it was shown (and one it was not)."""
    document = json.loads(chat.user.split("Ticket data (JSON):\n", 1)[1])
    first, second = (message["id"] for message in document["messages"][:2])
    return json.dumps(
        {
            "episode": "<PERSON_1> reported evening Wi-Fi drops; a firmware update fixed it.",
            "facts": [
                {
                    "category": "version",
                    "text": "Firmware 7.57 fixed the drops.",
                    "message": second,
                },
                {"category": "fact", "text": "Invented elsewhere.", "message": 999999},
            ],
            "profile": [
                {"category": "device", "text": "Has a Fritzbox 7590 router.", "message": first},
                {"category": "hobby", "text": "Reach them at <EMAIL_1>.", "message": first},
            ],
        }
    )


def close_a_ticket(ada: Customer) -> None:
    ticket_with_messages(
        ada,
        "Wi-Fi drops",
        [
            f"Ada Lovelace here. My Fritzbox 7590 drops the wifi. Mail ada@example.com, {CARD}.",
            "Please update the firmware to 7.57.",
        ],
    )
    deliver_all()


def test_memories_come_from_the_model_with_sources_checked(
    ada: Customer, llm_server: LLMServer
) -> None:
    llm_server.reply_with(answer_citing_messages)

    close_a_ticket(ada)

    memories = {m.text: m for m in Memory.objects.filter(customer_id=ada.pk)}
    assert "Ada Lovelace reported evening Wi-Fi drops; a firmware update fixed it." in memories
    assert "Invented elsewhere." not in memories  # cited a message of no ticket of hers
    device = memories["Has a Fritzbox 7590 router."]
    assert (device.kind, device.category) == ("profile", "device")
    assert device.source_message_id is not None
    assert memories["Reach them at ada@example.com."].category == "fact"  # not a known category


def test_the_model_never_sees_personal_data(ada: Customer, llm_server: LLMServer) -> None:
    llm_server.reply_with(answer_citing_messages)

    close_a_ticket(ada)

    (request,) = llm_server.requests
    for value in (CARD, "ada@example.com", "Lovelace"):
        assert value not in request.text
    assert request.body["response_format"] == {"type": "json_object"}


def test_a_failing_model_leaves_the_offline_memories(ada: Customer, llm_server: LLMServer) -> None:
    llm_server.fail_next(500)

    close_a_ticket(ada)

    texts = list(Memory.objects.filter(customer_id=ada.pk).values_list("text", flat=True))
    assert any("Fritzbox 7590" in text for text in texts)
    assert not any("reported evening" in text for text in texts)
