"""A recurring issue's label is a topic its tickets share, as a person would write it, or none."""

from __future__ import annotations

import pytest

from helpdesk.memory.selectors.labels import issue_label, reads_as_topic


def test_label_is_a_phrase_the_tickets_share_without_one_tickets_details() -> None:
    label = issue_label(
        [
            "Wi-Fi drops\nMy router drops the connection, I am Ada at 12 Elm Street.",
            "Dropping again\nThe connection dropped, router restarted. Call 0171 555 1234.",
        ],
        avoid="Ada Lovelace",
    )

    assert label == "router drops"


def test_the_word_most_tickets_share_is_widened_to_the_phrase_around_it() -> None:
    label = issue_label(
        [
            "Dropbox is using all my CPU",
            "cpu usage at 100% since the update",
            "Dropbox usage of the cpu is crazy",
        ]
    )

    assert label == "cpu usage"


def test_words_never_found_together_are_not_joined_into_a_phrase() -> None:
    # The old labels strung shared words together: "idea purchases family".
    label = issue_label(
        [
            "Any idea why the family app shows no purchases?",
            "Any idea why purchases vanished from my family library?",
        ]
    )

    assert label in {"purchases", "family"}


def test_a_gerund_may_qualify_a_noun_and_a_rare_one_is_a_topic() -> None:
    assert (
        issue_label(
            [
                "Where are our cleaning supplies that you promised?",
                "Where are the cleaning supplies you promised the drivers?",
            ]
        )
        == "cleaning supplies"
    )
    assert issue_label(["Billing is wrong again", "billing charged me twice"]) == "billing"


def test_a_noun_and_its_state_is_a_topic() -> None:
    label = issue_label(
        [
            "Printer offline\nHi Melanie, the printer is offline again.",
            "Printer offline again\nThanks Melanie! The printer went offline this morning.",
        ],
        avoid="Ada Lovelace",
    )

    assert label == "printer offline"  # and no "melanie", a name the tickets share


@pytest.mark.parametrize(
    "texts",
    [
        ["printer offline", "invoice wrong"],  # nothing shared
        ["Honestly it's awesome, the show", "it's an awesome show, really"],  # praise, too common
        ["So many people this year", "people wait a year for this"],  # too common to name a thing
        ["The last lot came late", "last lot, again"],  # fillers
        ["It was promised and it occurred", "promised, occurred again"],  # verbs only
    ],
)
def test_shared_words_that_name_no_topic_give_no_label(texts: list[str]) -> None:
    assert issue_label(texts) == ""


def test_label_leaves_out_handles_links_and_the_customers_name() -> None:
    label = issue_label(
        ["@ada_l lovelace billing https://x.example/a", "@ada_l lovelace billing ada@example.com"],
        avoid="Ada Lovelace",
    )

    assert label == "billing"


def test_label_leaves_out_a_secret_the_tickets_share() -> None:
    # A label goes into the model's prompt and the bot's hand-over reason.
    text = "Payment refused\napi_key=AKIAIOSFODNN7EXAMPLE"

    label = issue_label([text, text])

    assert "akiaiosfodnn7example" not in label.lower()
    assert label == "payment"  # the problem word stays


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("error code", True),
        ("gta", True),
        ("views increasing", True),
        ("increasing views", True),
        ("promised", False),
        ("awesome show", False),
        ("people", False),
        ("code code", False),
    ],
)
def test_reads_as_topic(phrase: str, expected: bool) -> None:
    assert reads_as_topic(phrase.split()) is expected
