"""The offline extractor keeps what the customer says about themselves, with its source."""

from __future__ import annotations

from helpdesk.memory.backends.embedded.extraction import (
    TurnText,
    extract,
    profile_facts,
    ticket_facts,
)


def turn(message_id: int, text: str, *, customer: bool = True) -> TurnText:
    return TurnText(message_id=message_id, is_customer=customer, author="Maria", text=text)


def test_first_person_statements_become_profile_facts_with_their_message() -> None:
    facts = profile_facts(
        [turn(1, "Hi there. I have a Fritzbox 7590 router at home. It drops every evening.")]
    )

    assert [(f.category, f.text, f.message_id) for f in facts] == [
        ("device", "I have a Fritzbox 7590 router at home.", 1)
    ]


def test_contact_preferences_are_recognised() -> None:
    facts = profile_facts([turn(4, "Please email me rather than calling, I work nights.")])

    assert facts[0].category == "contact"


def test_questions_agent_text_and_remarks_about_others_are_not_profile_facts() -> None:
    facts = profile_facts(
        [
            turn(1, "Do I have a warranty on my laptop?"),
            turn(2, "I love that you chose pottery for your art."),
            turn(3, "I have a spare router for you.", customer=False),
        ]
    )

    assert facts == []


def test_the_same_statement_is_kept_once() -> None:
    text = "I live in Berlin with my partner."
    assert len(profile_facts([turn(1, text), turn(2, text)])) == 1


def test_ticket_facts_pick_up_order_numbers_and_versions() -> None:
    facts = ticket_facts([turn(1, "Order number 3348917502 arrived broken after firmware 7.57.")])

    assert {f.text for f in facts} == {"Order: 3348917502", "Version: 7.57"}


def test_episode_says_what_was_raised_and_answered() -> None:
    items = extract(
        [turn(1, "My router drops every evening."), turn(2, "Update to 7.57.", customer=False)],
        subject="Wi-Fi drops",
        customer_name="Ada Lovelace",
    )

    episode = next(item for item in items if item.kind == "episode")
    assert episode.text.startswith("Ada wrote about “Wi-Fi drops”: My router drops")
    assert "Maria answered: Update to 7.57." in episode.text
    assert episode.message_id == 1


def test_a_ticket_without_customer_messages_has_no_episode() -> None:
    items = extract([turn(1, "Hello?", customer=False)], subject="x", customer_name="Ada")

    assert [item for item in items if item.kind == "episode"] == []
