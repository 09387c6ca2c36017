"""Names, street addresses and postcodes in helpdesk.pii (no database).

Values here are made up for the tests; none comes from the benchmark data.
"""

from __future__ import annotations

import pytest

from helpdesk.pii import Redaction, redact
from helpdesk.pii import _lexicon as lexicon


def kinds_of(red: Redaction) -> list[str]:
    return [s.kind for s in red.spans]


def assert_masked(text: str, *values: str) -> Redaction:
    red = redact(text)
    for value in values:
        assert value not in red.text, (value, red.text)
    return red


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # given names from many countries (not only the US census list)
        ("Ingrid Solheim called about the refund", ["Ingrid Solheim"]),
        ("I spoke with Tomasz Wróblewski yesterday", ["Tomasz", "Wróblewski"]),
        ("Please ask Aiko Tanabe to check the invoice", ["Aiko Tanabe"]),
        ("Why is Radoslava so upset?", ["Radoslava"]),
        ("Siobhan is very patient with customers.", ["Siobhan"]),
        # initials and particles
        ("Forwarded to Piet J. van der Berg for review", ["Piet", "van der Berg"]),
        ("Ask Oleg V Sorokin about it", ["Oleg", "Sorokin"]),
        ("Noor al-Hashimi wrote: the app keeps crashing", ["Noor", "al-Hashimi"]),
        ('"Not again," says De Vries.', ["De Vries"]),
        # surname shapes and person verbs
        ('"We fixed it," says Lindqvist.', ["Lindqvist"]),
        ("Our founders: Przybylski, Hughes and Okonkwo.", ["Przybylski", "Hughes", "Okonkwo"]),
        ("Brennan and Lund were both on the call.", ["Brennan"]),
        ("Kovalenko wrote back this morning", ["Kovalenko"]),
        # a found name is masked everywhere in the text
        ("Marta Oliveira wrote in. Oliveira says the app crashes.", ["Oliveira"]),
        # possessive and dialogue
        ("It was Agnieszka's order, not mine.", ["Agnieszka"]),
        ('Halvard: "who are you?"\nMeryem:"I\'m the new agent".', ["Halvard", "Meryem"]),
        # text written without capitals
        ("follow up with ingrid solheim next week", ["ingrid", "solheim"]),
        ("we had 4: sigrun, tomasz, ayumi and bartek.", ["sigrun", "tomasz", "ayumi"]),
    ],
)
def test_names_are_masked(text: str, names: list[str]) -> None:
    red = assert_masked(text, *names)
    assert "PERSON" in kinds_of(red)


def test_verb_before_a_name_stays() -> None:
    assert redact("Tell Siddharth that the laptop is ready.").text == (
        "Tell <PERSON_1> that the laptop is ready."
    )


def test_repeated_name_keeps_one_placeholder() -> None:
    red = redact("Ingrid Solheim wrote. Later Ingrid Solheim called.")
    assert red.text == "<PERSON_1> wrote. Later <PERSON_1> called."


@pytest.mark.parametrize(
    "text",
    [
        "Hi Support team, my iPhone 12 will not charge.",
        "Thanks, Apple. The AirPods work again.",
        "Order #12345 was shipped on Monday to the wrong store.",
        "Can I return it on Tuesday or Wednesday?",
        "The Premium plan costs 12 dollars a month.",
        "Please reset my password. Thanks!",
        "Will you refund the delivery fee?",
        "Grace period ends in May, right?",
        "My Netflix account shows an error in Chrome.",
        "We moved from Windows 10 to Windows 11 last week.",
        "I bought the Galaxy S21 from Best Buy in Chicago.",
        "Customer Service said the Billing Team would call back.",
        "I\u2019m still waiting, I\u2019ve been waiting since Friday.",
        "Sincerely, the Support Team",
        "Ticket 88213: the Android app crashes on start.",
        "It is on the 3rd floor, room 12.",
        "I have 2 green apples and 3 park passes.",
        "It expired on 12/31/2020 if I recall. Is there a way back?",
        "Runs fine on an RX 5700 XT 8 GB card.",
        "The package never got delivered to my garage after 30 minutes.",
    ],
)
def test_support_text_is_not_masked(text: str) -> None:
    red = redact(text)
    assert red.text == text, red.text


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Send it to 742 Evergreen Terrace, Springfield", "742 Evergreen Terrace"),
        ("ship to 1600 Amphitheatre Pkwy Apt. 4, Mountain View, CA 94043", "1600 Amphitheatre"),
        ("My new address is 12 Rue des Lilas, 69003 Lyon, France", "12 Rue des Lilas"),
        ("deliver to ul. Kwiatowa 17 please", "ul. Kwiatowa 17"),
        ("I live at Birkenweg 9, 3012 Bern", "Birkenweg 9"),
        ("The office is at Lönnrotinkatu 5 B 12, Helsinki", "Lönnrotinkatu 5"),
        ("Pick up from Nørregade 14 in the morning", "Nørregade 14"),
        ("mail it to P.O. Box 4411, Juneau", "P.O. Box 4411"),
        ("send to PSC 1234, Box 5678\nAPO AE 09123 thanks", "PSC 1234, Box 5678"),
        ("meet at the corner of Queen Street and Elm Avenue", "the corner of Queen Street"),
        ("the shop is on Kolmarkka 117, near the station", "Kolmarkka 117"),
        ("send it to 3/12 Kirova St., Novosibirsk 630099", "3/12 Kirova St."),
        ("I live on Maple Avenue in Toronto.", "Maple Avenue"),
    ],
)
def test_addresses_are_masked(text: str, address: str) -> None:
    red = assert_masked(text, address)
    assert "STREET_ADDRESS" in kinds_of(red)


def test_multi_line_address_is_one_block() -> None:
    text = "Address:\n4410 Harbour Road\nSuite 300\nHALIFAX\n, NS\n Canada B3H 1Y4\nThanks"
    red = redact(text)
    assert red.text == "Address:\n<ADDRESS_1>\nThanks", red.text


def test_address_block_keeps_following_sentence() -> None:
    red = redact("I moved to 88 Elm Street Apt. 5, Dover, DE 19901. It was a long week.")
    assert red.text == "I moved to <ADDRESS_1>. It was a long week.", red.text


def test_sentence_full_stop_stays_after_an_address() -> None:
    red = redact("Our office: Hauptstraße 5, 10115 Berlin, Germany.")
    assert red.text == "Our office: <ADDRESS_1>.", red.text


def test_city_and_country_alone_are_not_masked() -> None:
    text = "We ship to Lisbon, Portugal and to Oslo within 3 days."
    assert redact(text).text == text


# --- postcodes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ZIP: 30301", "30301"),
        ("postcode SW1A 1AA please", "SW1A 1AA"),
        ("Postal code: K1A 0B1", "K1A 0B1"),
        ("zip code 75534-030", "75534-030"),
        ("Springfield, IL 62704", "62704"),
        ("they moved to Bergen 5003 last year", "5003"),
        ("our depot in Vila Nova de Gaia 4400-123 is closed", "4400-123"),
        ("the warehouse in Kraków 31-052 called", "31-052"),
    ],
)
def test_postcodes_by_context(text: str, code: str) -> None:
    red = assert_masked(text, code)
    assert {"ZIP_CODE", "STREET_ADDRESS"} & set(kinds_of(red))


@pytest.mark.parametrize(
    "text",
    [
        "My order 12345 arrived late.",
        "We sold 4500 units in 2021.",
        "in Chicago 2019 was a good year",
        "Prices rose 12% in Berlin 2023 surveys",
        "Error 40401 appears when I log in.",
    ],
)
def test_numbers_are_not_postcodes(text: str) -> None:
    assert "ZIP_CODE" not in kinds_of(redact(text))


# --- lexicons -----------------------------------------------------------------------------


def test_lexicons_tell_names_from_words() -> None:
    assert lexicon.is_given("ingrid")
    assert lexicon.is_common("support")
    assert lexicon.is_common("monday")
    assert not lexicon.is_common("solheim")
    if lexicon.has_wordfreq():
        assert lexicon.is_common("apple")
        assert lexicon.is_rare("wróblewski")


def test_filter_works_without_optional_lexicons(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nomquamgender and wordfreq absent, census names and cue words still work."""
    from helpdesk.pii import _person

    monkeypatch.setattr(lexicon, "_package_file", lambda package, name: None)
    monkeypatch.setattr(lexicon, "_english", lambda: None)
    for fn in (lexicon.world_given, _person.given, _person.surname, _person.rare):
        fn.cache_clear()
    try:
        red = redact("Hello, this is Jennifer Walsh. Call me at +1 415 555 0100.")
        assert "Jennifer" not in red.text
        assert "415 555 0100" not in red.text
        assert "Hello" in red.text
        assert redact("Hi Support team, see Order #12345.").text == (
            "Hi Support team, see Order #12345."
        )
    finally:
        monkeypatch.undo()
        for fn in (lexicon.world_given, _person.given, _person.surname, _person.rare):
            fn.cache_clear()
