"""The PII filter's statistical layer (helpdesk/pii/_tagger.py) and its training (no database).

Values are made up for the tests; the shapes are those an outside test found leaking
(streets outside the US, signature lines, non-US phones, lower-case names).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bench import pii_training
from helpdesk.pii import ADDRESS, PERSON, PHONE, redact
from helpdesk.pii import _tagger as tagger
from helpdesk.pii._regions import regions


def found(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, start, end in tagger.tag(text):
        out.setdefault(kind, []).append(text[start:end])
    return out


def test_the_shipped_model_is_present():
    assert tagger.MODEL.exists(), "run bench/pii_training.py to build the model"
    assert tagger.MODEL.stat().st_size < 5_000_000


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Please send it to Ringvej 144, I moved.", ADDRESS, "Ringvej 144"),
        ("I live at Erzsébet tér 19. since May", ADDRESS, "Erzsébet tér 19."),
        ("hi its anna lindqvist, moved to storgatan 12 in lund", PERSON, "anna lindqvist"),
        ("hi its anna lindqvist, moved to storgatan 12 in lund", ADDRESS, "storgatan 12"),
        ("my colleague maria gonzalez said so", PERSON, "maria gonzalez"),
        ("Best regards,\nTorvald Henriksen\nTel: 07700 063 966", PHONE, "07700 063 966"),
    ],
)
def test_what_the_rules_were_not_written_for_is_masked(text, kind, value):
    red = redact(text)
    assert value not in red.text, red.text
    assert kind in {s.kind for s in red.spans}


@pytest.mark.parametrize(
    "text",
    [
        "My Galaxy S23 stopped charging after the update to version 14.2.1.",
        "Order #4471982 was charged twice on 2026-03-04, please refund one.",
        "Is the Kindle available in Copenhagen stores?",
        "Customer Service promised a call back on Friday.",
    ],
)
def test_tagger_leaves_ordinary_support_text_alone(text):
    assert found(text) == {}


def test_signature_block_is_masked_line_by_line():
    text = "Thanks,\nJohn\nSuite 828\nUnited Kingdom 89800"
    red = redact(text)
    for value in ("John", "Suite 828", "89800"):
        assert value not in red.text, red.text


def test_without_a_model_the_rules_still_work(tmp_path: Path):
    missing = tmp_path / "none.crfsuite"
    assert tagger.tag("I live at Ringvej 144", model=missing) == []


def test_taggers_are_per_thread():
    text = "Send it to Ringvej 144, please."
    results: list[dict[str, list[str]]] = []
    threads = [threading.Thread(target=lambda: results.append(found(text))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [found(text)] * 4


def test_training_text_is_deterministic_and_its_spans_exact():
    a, b = pii_training.generate(300, seed=3), pii_training.generate(300, seed=3)
    assert a == b
    assert a != pii_training.generate(300, seed=4)
    kinds = {s["entity_type"] for r in a for s in r["spans"]}
    assert {"PERSON", "STREET_ADDRESS", "ZIP_CODE", "PHONE_NUMBER"} <= kinds
    for rec in a:
        for s in rec["spans"]:
            value = rec["full_text"][s["start_position"] : s["end_position"]]
            assert value, rec
            assert value == value.strip(), rec
    assert sum(not r["spans"] for r in a) > 60  # texts without personal data


def test_a_small_training_run_gives_a_model_that_tags(tmp_path: Path):
    model = pii_training.train(pii_training.generate(400, seed=5), tmp_path / "small.crfsuite")
    text = "Best regards,\nHenrik Olsen\nTel: +45 39 15 00 08"
    spans = [(kind, text[s:e]) for kind, s, e in tagger.tag(text, model=model)]
    assert (PHONE, "+45 39 15 00 08") in spans


# --- phone regions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Anna Berg, Storgatan 1, 114 55 Stockholm, Sverige", "SE"),
        ("Auckland, New Zealand", "NZ"),
        ("write to ondrej@firma.cz please", "CZ"),
        ("Bom dia, o meu número mudou, obrigado", "BR"),
        ("Hola, mi número es nuevo, gracias por la ayuda", "ES"),
    ],
)
def test_regions_come_from_what_the_text_says(text, region):
    found = regions(text)
    assert found[0] == "US"
    assert region in found


def test_plain_english_keeps_the_us_alone():
    assert regions("hello there") == ("US",)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Ring mig på 070-123 45 67, tack och hej", "070-123 45 67"),
        ("Cumprimentos, Lisboa, Portugal. Telemóvel 912 345 678", "912 345 678"),
        ("Call me on 021 234 5678 please, Auckland, New Zealand", "021 234 5678"),
    ],
)
def test_national_numbers_are_read_in_the_region_the_text_suggests(text, phone):
    red = redact(text)
    assert phone not in red.text, red.text


def test_use_model_switches_the_model(tmp_path: Path):
    text = "Send it to Ringvej 144, please."
    previous = tagger.use_model(tmp_path / "missing.crfsuite")
    try:
        assert tagger.tag(text) == []
    finally:
        tagger.use_model(previous)
    assert tagger.tag(text)


def test_a_name_does_not_run_into_the_next_line():
    text = "Customer: Rebekah Raftery\nAgent: Thanks. And the postcode?"
    red = redact(text)
    assert "Agent:" in red.text, red.text
    assert "Rebekah" not in red.text


def test_mail_headers_are_not_names():
    text = "From: Rebeca Burgos <rb@example.com>\nSent: Mon, 6 December 2026 10:00\nTo: help"
    assert "Sent:" in redact(text).text


def test_an_address_stops_before_the_next_form_label():
    text = "name: paul manole\naddress: aleea pop 12, 990258 viseu de sus\nphone: 0250 956 131"
    assert "phone:" in redact(text).text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # the sentence around an address is no part of it
        (
            "Please ship it to Achleitnerstraße 7, 2438 Bludenz instead of my old address.",
            "Please ship it to <ADDRESS_1>, <POSTCODE_1> <ADDRESS_2> instead of my old address.",
        ),
        (
            "Can you deliver to Puuskakatu 766? I'm not home.",
            "Can you deliver to <ADDRESS_1>? I'm not home.",
        ),
        (
            "my new address is Dariaus ir Girėno g. 98 in Panevėžys. Thanks",
            "my new address is <ADDRESS_1> in Panevėžys. Thanks",
        ),
        # a reference and its sentence are no street, postcode or phone
        ("Order 90535 still hasn't reached Conrad Ville, it's been 25 days.", None),
        ("Bestelling 87399 is na 16 dagen nog niet aangekomen in Zwijndrecht.", None),
        ("Tellimus 9120925 pole ikka veel kohale jõudnud.", None),  # "Tel" inside a word
        ("Hotel 4930211 was booked twice.", None),
        # a phrase with a name in brackets is no street; a product after "the" no name
        ("Paketti lähti 1.8.2026, mutta seuranta näyttää yhä samaa paikkaa (Loppi).", None),
        ("ok thx, it works now. the atlas backpack syncs fine", None),
    ],
)
def test_what_surrounds_personal_data_stays_readable(text, kept):
    assert redact(text).text == (kept or text)


def test_a_name_after_in_is_a_place_unless_it_owns_something():
    assert (
        redact("I live in Panevėžys with Anna Schmidt").text
        == "I live in Panevėžys with <PERSON_1>"
    )
    assert redact("Please put it in Maria's name").text == "Please put it in <PERSON_1>'s name"


@pytest.mark.parametrize(
    "text",
    [
        "Dobrý den, objednávka č. 48213 stále nedorazila. Děkuji.",
        "Bună ziua, comanda 77321 nu a ajuns încă. Mulțumesc!",
        "Tere! Tellimus on hilinenud juba 12 päeva.",
        "S pozdravem a díky za pomoc",
        "Vielen Dank für die schnelle Hilfe! Mit freundlichen Grüßen",
        "The plan went from CHF 79.00 to CHF 49 per month.",
        "Two at CAD 49 each, total AUD 98",
        "Re: case 2026-74382 is still open",
        "My zip code is fine, the app is not.",
    ],
)
def test_greetings_amounts_and_references_in_any_language_stay(text):
    assert redact(text).text == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my zip is 10000 and I'm in Zagreb", "my zip is <POSTCODE_1> and I'm in Zagreb"),
        ("My postal code changed to 00550.", "My postal code changed to <POSTCODE_1>."),
        ("call me: 2026-743821", "call me: <PHONE_1>"),
    ],
)
def test_cued_postcodes_are_masked(text, masked):
    assert redact(text).text == masked


@pytest.mark.parametrize(
    ("text", "kept", "values"),
    [
        ("Kontakt: Jan Novák, Vinohradská 12, 120 00 Praha 2", "Kontakt: <", ["Novák", "12"]),
        ("I live on Rüütli 12, 51007 Tartu.", "I live on <", ["Rüütli", "51007"]),
        ("Hämeenkatu 10 A 5, 33100 Tampere", "", ["Hämeenkatu", "33100"]),
    ],
)
def test_a_street_a_comma_and_a_postcode_make_an_address(text, kept, values):
    masked = redact(text).text
    assert masked.startswith(kept)
    assert not any(value in masked for value in values), masked
