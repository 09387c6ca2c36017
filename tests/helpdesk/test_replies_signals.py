"""Reading the customer: sentiment labels and requests for a person."""

from __future__ import annotations

import pytest

from helpdesk.replies.intents import asks_for_person
from helpdesk.replies.sentiment import customer_sentiment, sentiment_of


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Thanks, that fixed it!", "positive"),
        ("My order has not arrived yet, can you check?", "neutral"),
        ("My router is broken.", "negative"),
        ("Still not working. Useless.", "frustrated"),
        ("This is ridiculous, third time my internet dropped!!!", "frustrated"),
        ("ABSOLUTELY UNACCEPTABLE SERVICE", "frustrated"),
    ],
)
def test_sentiment_labels_support_messages(text: str, label: str) -> None:
    assert sentiment_of(text).label == label


def test_sentiment_is_scored_per_sentence_so_negation_stays_inside_one() -> None:
    assert sentiment_of("Still not working. Useless.").score < 0


def test_unhappy_twice_in_a_row_is_frustrated() -> None:
    mood = customer_sentiment(["My router is broken.", "It is still broken, useless."])

    assert mood.label == "frustrated"


def test_newest_message_sets_the_mood() -> None:
    assert customer_sentiment(["This is terrible.", "Thanks, that worked!"]).label == "positive"
    assert customer_sentiment([]).label == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "Can I speak to a real person please",
        "get me a manager",
        "transfer me to an agent",
        "Are you a bot?",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "Je veux parler à un conseiller",
        "quiero hablar con una persona",
    ],
)
def test_requests_for_a_person_are_recognised(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "My router keeps dropping",
        "the agent on the phone told me to restart it",
        "I spoke to someone yesterday and they said it was fixed",
        "please talk to my bank",
        "My human resources department needs invoices",
    ],
)
def test_ordinary_mentions_of_people_are_not_requests(text: str) -> None:
    assert not asks_for_person(text)
