"""The bot's hand-over rule: a person asked for, an issue that recurs, a mood that turns."""

from __future__ import annotations

import datetime

from helpdesk.assist.bot import handover_reason
from helpdesk.pii import KnownIdentifiers
from helpdesk.replies.material import BOT, CUSTOMER, Material, Recurrence, Turn

NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


def material(*turns: tuple[str, str], recurring: tuple[Recurrence, ...] = ()) -> Material:
    return Material(
        ticket_id=1,
        reference="T-000001",
        subject="Router",
        customer_first_name="Ada",
        known=KnownIdentifiers(),
        turns=tuple(Turn(role, text, NOW) for role, text in turns),
        recurring=recurring,
    )


def test_a_plain_question_is_answered_by_the_bot() -> None:
    assert handover_reason(material((CUSTOMER, "How do I reset my router?"))) == ""


def test_asking_for_a_person_hands_over() -> None:
    reason = handover_reason(material((CUSTOMER, "Please let me talk to a human.")))

    assert reason == "The customer asked for a person."


def test_an_issue_recurring_across_tickets_hands_over() -> None:
    recurring = (Recurrence("connection drops", ("T-000003", "T-000001"), 2),)

    reason = handover_reason(material((CUSTOMER, "Hi"), recurring=recurring))

    assert "keeps coming back: connection drops (2 tickets)" in reason


def test_an_issue_without_a_label_is_named_by_its_count_alone() -> None:
    recurring = (Recurrence("", ("T-000003", "T-000001"), 2),)

    reason = handover_reason(material((CUSTOMER, "Hi"), recurring=recurring))

    assert reason == "The issue keeps coming back (2 tickets)."


def test_frustration_hands_over_at_once() -> None:
    reason = handover_reason(material((CUSTOMER, "Third time this week!!! Useless service.")))

    assert reason == "The customer's sentiment turned frustrated."


def test_negative_hands_over_only_after_the_bot_answered() -> None:
    first = material((CUSTOMER, "My router is broken."))
    after_bot = material(
        (CUSTOMER, "How do I reset it?"),
        (BOT, "Hold the reset button."),
        (CUSTOMER, "My router is broken."),
    )

    assert handover_reason(first) == ""
    assert handover_reason(after_bot) == "The customer's sentiment turned negative."


def test_only_customer_text_counts_for_the_mood() -> None:
    assert handover_reason(material((CUSTOMER, "Hello"), (BOT, "This is terrible, sorry!"))) == ""
