"""Values under labels that name personal data (helpdesk/pii/_fields.py): forms, JSON,
key=value pairs and pasted tables, in the languages the key lists know."""

from __future__ import annotations

import pytest

from helpdesk.pii import redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            '{"name": "Ana Horvat", "street": "Ilica 45", "zip": "10000", "city": "Zagreb"}',
            '{"name": "<PERSON_1>", "street": "<ADDRESS_1>", "zip": "<POSTCODE_1>", '
            '"city": "Zagreb"}',
        ),
        (
            "city=Zagreb; plz=10000; street=Ilica 45; tel=01 2345 678",
            "city=Zagreb; plz=<POSTCODE_1>; street=<ADDRESS_1>; tel=<PHONE_1>",
        ),
        (
            "Name;Street;ZIP;City\nAna Horvat;Ilica 45;10000;Zagreb\n"
            "Ivo Kos;Vukovarska 7;21000;Split",
            "Name;Street;ZIP;City\n<PERSON_1>;<ADDRESS_1>;<POSTCODE_1>;Zagreb\n"
            "<PERSON_2>;<ADDRESS_2>;<POSTCODE_2>;Split",
        ),
        ("Teslimat adresi: Atatürk Cad. No: 15", "Teslimat adresi: <ADDRESS_1>"),
        ("Adresa: Podgaj 2b", "Adresa: <ADDRESS_1>"),
    ],
)
def test_labelled_values_are_masked_and_labels_kept(text: str, masked: str) -> None:
    assert redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "phone: not working since Monday",
        "Customer: I can't log in\nAgent: Which browser?",
        "Name: the same as before",
        "zip: see below",
        "Status;Priority;Channel\nopen;high;email",
    ],
)
def test_labels_without_personal_values_change_nothing(text: str) -> None:
    assert redact(text).text == text
