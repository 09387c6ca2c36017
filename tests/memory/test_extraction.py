"""The offline extractor: short typed profile facts with their source, or nothing."""

from __future__ import annotations

import pytest

from helpdesk.memory.backends.embedded.extraction import (
    Extracted,
    TurnText,
    extract,
    newest_profile,
    profile_facts,
    ticket_facts,
)


def turn(message_id: int, text: str, *, customer: bool = True) -> TurnText:
    return TurnText(message_id=message_id, is_customer=customer, author="Maria", text=text)


def facts_of(*texts: str) -> list[tuple[str, str]]:
    facts = profile_facts([turn(number, text) for number, text in enumerate(texts, 1)])
    return [(fact.category, fact.text) for fact in facts]


def test_a_device_is_noted_short_with_its_category_and_message() -> None:
    facts = profile_facts(
        [turn(7, "Hi there. I have a Fritzbox 7590 router at home. It drops every evening.")]
    )

    assert facts == [
        Extracted(
            kind="profile", category="device", text="Has a Fritzbox 7590 router", message_id=7
        )
    ]


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("I'm using an iPhone 12 and it keeps crashing.", ("device", "Uses an iPhone 12")),
        ("My hp envy 13 laptop will not start.", ("device", "Has an HP Envy 13 laptop")),
        ("The game freezes on my PS4 every night.", ("device", "Has a PS4")),
        ("I have the latest version of premiere.", ("device", "Uses Premiere")),
        ("We have a Fritz!Box 7490 at home.", ("device", "Has a Fritzbox 7490")),
        ("i have an iphone 11 pro max", ("device", "Has an iPhone 11 Pro Max")),
        ("I'm on a Mac.", ("device", "Uses a Mac")),
        ("I have a Series 1 watch I rarely wear.", ("device", "Has an Apple Watch Series 1")),
        ("My apple watch series 3 stopped syncing.", ("device", "Has an Apple Watch Series 3")),
        ("I'm on Android.", ("os", "Android")),
        ("I'm on Windows 11 at home.", ("os", "Windows 11")),
        ("I'm also on windows 10 64bit.", ("os", "Windows 10")),
        ("Windows 10.", ("os", "Windows 10")),  # the whole answer to "which system?"
        ("My phone runs iOS 17.2 now.", ("os", "iOS 17.2")),
        ("I'm a Gold member.", ("plan", "Gold member")),
        ("I'm a bronze", ("plan", "Bronze member")),  # ABCD's answer to "membership level?"
        ("I'm on the family plan.", ("plan", "Family plan")),
        ("I only signed up for the FREE subscription.", ("plan", "Free plan")),
        ("I pay for YouTube Premium every month.", ("plan", "YouTube Premium")),
        ("I live in Lyon with my partner.", ("location", "Lives in Lyon")),
        ("I moved to New York last spring.", ("location", "Lives in New York")),
        ("I'm from Sweden originally.", ("location", "From Sweden")),
        ("Please email me rather than calling.", ("contact", "Prefers e-mail")),
        ("I rarely use twitter so please call me at 555.", ("contact", "Prefers phone calls")),
        ("I prefer to be contacted by text.", ("contact", "Prefers text messages")),
        ("You can reach me by email.", ("contact", "Prefers e-mail")),
        ("I'd prefer a phone call.", ("contact", "Prefers phone calls")),
        ("Please don't call me at work.", ("contact", "Prefers not to be called")),
        ("I speak Spanish and Catalan.", ("language", "Speaks Spanish and Catalan")),
        ("I only speak German.", ("language", "Speaks only German")),
        ("I don't speak English well.", ("language", "Does not speak English")),
        ("I work as a nurse, so days are hard.", ("work", "Works as a nurse")),
        ("As a teacher, I need this before Monday.", ("work", "Works as a teacher")),
        ("I'm an engineering student.", ("work", "Engineering student")),
        ("I work in health care.", ("work", "Works in health care")),
        ("I work nights as a nurse.", ("work", "Works as a nurse")),
        ("I'm not very technical, sorry.", ("skill", "Not technical")),
    ],
)
def test_each_category_is_written_as_an_agent_would_note_it(
    text: str, fact: tuple[str, str]
) -> None:
    assert facts_of(text) == [fact]


@pytest.mark.parametrize(
    "text",
    [
        # chit-chat and feelings are no profile fact
        "I love all the yellow leaves in autumn, they remind me of my grandmother.",
        "I really enjoy pottery with my kids on Sundays.",
        "I'm a big fan of your work.",
        # questions
        "Do I have a warranty on my laptop?",
        "Can I install Windows 11 on my laptop",
        "Will my iPhone 12 work with it?",
        # the other person, or someone else's things
        "I have a spare router for you.",
        "I love that you chose pottery for your art.",
        "My son has an Xbox One.",
        "My daughter's iPad will not charge.",
        # not (or not yet) true
        "If I buy an iPad, does the app work there?",
        "I don't have an iPhone.",
        "I'm thinking of moving to Berlin.",
        "I'm in Berlin this week.",
        "I moved to Windows 11 last week.",
        "I'm from the bank.",
        "I wish I lived in Paris.",
        # a vague or unknown value
        "I live in a small town near the coast.",
        "My computer is slow.",
        "I'm on the new plan now.",
        "I have a Zorblax 3000.",
        "Call me Ishmael.",
        # things that are not the customer's device
        "My Apple TV subscription expired.",
        "My xbox account was hacked.",
    ],
)
def test_nothing_is_noted_when_the_value_is_unclear(text: str) -> None:
    assert facts_of(text) == []


def test_a_sentence_with_a_card_number_gives_no_device_fact() -> None:
    """The old extractor filed this as a "device" fact, whole, because of "my card"."""
    assert facts_of("My card 4111 1111 1111 1111 was declined at checkout.") == []
    assert facts_of("My card number is 4111111111111111 and it was charged twice.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live in <LOCATION_1> since last year.", []),
        ("I work at <ORGANIZATION_2> as well.", []),
        ("I moved to <PERSON_4> street.", []),
        ("My card <CREDIT_CARD> was declined.", []),
        ("I have a <CREDIT_CARD_1> card.", []),
        # the placeholder is not the value: the fact stands, without it
        (
            "Please call me at <PHONE_NUMBER_1>, I'm <PERSON_4>.",
            [("contact", "Prefers phone calls")],
        ),
    ],
)
def test_no_fact_holds_a_placeholder(text: str, expected: list[tuple[str, str]]) -> None:
    assert facts_of(text) == expected


def test_values_are_trimmed_of_trailing_clauses_and_capped() -> None:
    assert facts_of("I live in Lyon, France, near the river with two cats and a dog.") == [
        ("location", "Lives in Lyon, France")
    ]
    assert facts_of("I have an iPhone 12 which my brother gave me last year.") == [
        ("device", "Has an iPhone 12")
    ]
    for _category, text in facts_of("I work at Very Long Company Name Holding Group Ltd."):
        assert len(text.split()) <= 8


def test_agent_messages_are_not_read() -> None:
    assert profile_facts([turn(1, "I have a Fritzbox 7590 router.", customer=False)]) == []


def test_the_same_fact_is_kept_once_from_its_newest_mention() -> None:
    facts = profile_facts([turn(1, "I live in Berlin."), turn(2, "I live in Berlin, really.")])

    assert [(f.text, f.message_id) for f in facts] == [("Lives in Berlin", 2)]


def test_the_newest_wins_in_a_single_valued_category() -> None:
    assert facts_of(
        "I live in Berlin.",
        "I have an iPad Air.",
        "We moved: I live in Hamburg now.",
        "I'm a silver member.",
        "I'm a gold member since May.",
    ) == [
        ("device", "Has an iPad Air"),
        ("location", "Lives in Hamburg"),
        ("plan", "Gold member"),
    ]


def test_devices_are_not_single_valued_but_a_vaguer_mention_gives_way() -> None:
    assert facts_of(
        "My laptop is an HP.", "I have an iPhone 12.", "My HP Envy 13 laptop died."
    ) == [
        ("device", "Has an iPhone 12"),
        ("device", "Has an HP Envy 13 laptop"),
    ]


def test_speaking_only_one_language_replaces_older_language_facts() -> None:
    assert facts_of("I speak English.", "I speak French.") == [
        ("language", "Speaks English"),
        ("language", "Speaks French"),
    ]
    assert facts_of("I speak English.", "Sorry, I only speak Spanish.") == [
        ("language", "Speaks only Spanish")
    ]


def test_newest_profile_keeps_one_fact_per_single_valued_category() -> None:
    newest_first = [
        ("location", "Lives in Hamburg"),
        ("device", "Has an iPad"),
        ("location", "Lives in Berlin"),
        ("device", "Has an iPad"),
        ("language", "Speaks only Spanish"),
        ("language", "Speaks English"),
        ("preference", "Likes jazz"),
    ]

    assert newest_profile(newest_first, lambda fact: fact) == [
        ("location", "Lives in Hamburg"),
        ("device", "Has an iPad"),
        ("language", "Speaks only Spanish"),
        ("preference", "Likes jazz"),
    ]


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
