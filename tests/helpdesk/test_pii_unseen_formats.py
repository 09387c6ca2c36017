"""Formats of phones, postcodes, address blocks and signed names from countries the filter's
rules were not first written for (no database). Values are made up for the tests."""

from __future__ import annotations

import pytest

from helpdesk.pii import redact


def masked(text: str, value: str) -> bool:
    """Is every character of ``value`` (found in ``text``) inside a mask?"""
    start = text.index(value)
    end = start + len(value)
    spans = redact(text).spans
    return all(
        text[i].isspace() or any(s.start <= i < s.end for s in spans) for i in range(start, end)
    )


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("5692476612 (mobile)", "5692476612"),
        ("0573903343 is my cell, call after six", "0573903343"),
        ("2424164468 ext. 12", "2424164468 ext. 12"),
        ("CALL 001-351-664-3041x49265 NOW", "001-351-664-3041x49265"),
        ("my new number is 87 04 45!", "87 04 45"),
        ("Regards\nM: 7683098406", "7683098406"),
        ("☎ 4274251938", "4274251938"),
        ("mi número es el 422-12-96", "422-12-96"),
        ("whatsapp 8 (805) 242-49-28 pls", "8 (805) 242-49-28"),
        ("Landline 8464745104, mobile 493.432.8962", "8464745104"),
        # grouped as phones are, valid somewhere, no word needed
        ("I am on 0905 123 456 all day", "0905 123 456"),
        # written whole after a trunk zero; an area code and a slash; "00" and a country code
        ("or 0855797543 during office hours", "0855797543"),
        ("Marie Baldauf, 07345/29841537, Allentsteig", "07345/29841537"),
        ("Puhelin 00421 2 49452471", "00421 2 49452471"),
        ("I'm on 26018159 most evenings.", "26018159"),
        ("text 916031372 if the courier is late", "916031372"),
        ("Kontakt: 3053320450", "3053320450"),
        ("GSM 967796009", "967796009"),
    ],
)
def test_phones_in_other_shapes(text: str, phone: str) -> None:
    assert masked(text, phone), redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        "Sent: 3 March 2026 16.00",
        "order 12 34 56 is late",
        "Ticket from 12.04.22 still open",
        "Invoice 0905 123 456 was paid twice",
        "SKU 4711 2233 01 is out of stock",
        "Tracking 0905 123 456 shows delivered",
        "It weighs 12 kg and costs 1 299 000 dong",
        "Your parcel left the depot on 3.10.2026, tracking 4411.",
        "Order 0855797543 has not arrived",
        "Rechnung 0732/06792470 ist bezahlt",
        "I'm on version 2024.11 since 01/2025",
        "the text 0012345678 is printed on the box",
    ],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert "PHONE" not in redact(text).text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("postcode AZ2805", "AZ2805"),
        ("my zip is AZ2766", "AZ2766"),
        ("postal code LV-3798 please", "LV-3798"),
        ("zip: B9672", "B9672"),
        ("Eircode D02 AF30 please", "D02 AF30"),
        ("Which postcode?\nMe: F20  0WY6", "F20  0WY6"),
        ("Flat 2\nLondon SW1A  1AA", "SW1A  1AA"),
    ],
)
def test_postcodes_with_letters_or_two_spaces(text: str, code: str) -> None:
    assert masked(text, code), redact(text).text


@pytest.mark.parametrize(
    ("text", "street", "code"),
    [
        ("Studio 3, House No. 82, South Borhan\n5677 Chandpur", "House No. 82", "5677"),
        ("Regards,\nAndile Hlatshwayo\n5188 Victoria Ithafa\nThohoyandou 3803", "5188", "3803"),
        ("пер. Леваневского, д. 9 к. 89\n273031 г. Орск", "д. 9", "273031"),  # noqa: RUF001
    ],
)
def test_street_line_then_postcode_line(text: str, street: str, code: str) -> None:
    red = redact(text)
    assert masked(text, street), red.text
    assert masked(text, code), red.text


@pytest.mark.parametrize(
    "text",
    [
        "Step 2 of the guide\n4096 Memory Used",
        "I paid 30 euros.\n1234 Main",
        "Version 12 released\n2026 Roadmap",
    ],
)
def test_lines_with_numbers_are_not_an_address(text: str) -> None:
    red = redact(text)
    assert "ADDRESS" not in red.text, red.text
    assert "POSTCODE" not in red.text, red.text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Thanks for the help.\n\nRegards,\nHunter Mason", "Hunter Mason"),
        ("Mit freundlichen Grüßen\nOla Nordmann", "Ola Nordmann"),
        ("--\nLine Berg", "Line Berg"),
    ],
)
def test_the_name_under_a_sign_off(text: str, name: str) -> None:
    assert masked(text, name), redact(text).text


@pytest.mark.parametrize(
    "text",
    ["Best regards,\nThe Acme Team", "Cheers,\nBilling", "Kind regards,\nCustomer Support"],
)
def test_a_team_under_a_sign_off_stays(text: str) -> None:
    assert redact(text).count == 0, redact(text).text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, Ola here again. Any news on my ticket?", "Ola"),
        ("Dear Faith,\n\nthanks for the quick answer.", "Faith"),
        ("> Hi Maria,\n> we have checked order 24421.\n> Francisco\n\nThanks!", "Francisco"),
        ("It works now.\nDean", "Dean"),
        ("Please refund it, account holder Pierre De Cock.", "De Cock"),
    ],
)
def test_names_by_their_place_in_a_message(text: str, name: str) -> None:
    assert masked(text, name), redact(text).text


@pytest.mark.parametrize(
    "text",
    ["Hi Team,\nthe app crashes", "Dear Sir,\nplease help", "It crashed again.\nWindows"],
)
def test_greeted_or_last_words_that_are_no_name(text: str) -> None:
    assert "PERSON" not in redact(text).text, redact(text).text


def test_country_code_in_brackets() -> None:
    text = "You can reach me on (+57) 306 201 35 84 between 5pm and 6pm."
    assert masked(text, "(+57) 306 201 35 84"), redact(text).text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("> on monday lisa green wrote:\n> my phone is 0176 1234567", "lisa green"),
        ("my wife michael ordered it, her number is 0176 1234567", "michael"),
        ("Could someone call Blessing back? 0803 123 4567 works best.", "Blessing"),
        ("Please ask for Ann at reception, extension 8433555796", "8433555796"),
        ("Thanks\n-- \nHope Obasanjo | 0803 123 4567 | hope@example.ng", "Hope Obasanjo"),
        ("new address Lot 8, Jln 5/44Z, 47000 Sungai Buloh", "Lot 8, Jln 5/44Z"),
        ("Addr: o-21-36, Jalan Keliling, 50450 Kuala Lumpur", "o-21-36, Jalan Keliling"),
        ("Studio 6, Building No. 49, North Sundar Para, 3300 Habiganj", "Building No. 49, North"),
        ("hey its me, drop by 12 harbour view road later", "12 harbour view road"),
        ("Tel: +41 (0)67 273 03 11", "+41 (0)67 273 03 11"),
        ("new address 0691 boulevard Hugues Suite 422, Montréal", "0691 boulevard Hugues"),
        ("hey its mark here, call me later", "mark"),
        # house numbers with their marker, cross streets, Latin American postcodes
        ("Please ship it to Calle 8 N° 435, B7628 Paraná instead", "Calle 8 N° 435, B7628"),
        ("my new address is Calle 90 # 5-7 in Chaparral.", "Calle 90 # 5-7"),
        ("Alejandra\nCr. 49 # 23-2 Este\nAnsermanuevo, 233750", "Cr. 49 # 23-2 Este"),
        ("noua mea adresă este Drumul Pamfil Georgescu Nr. 741, 272174 Magurele.", "Nr. 741"),
        ("Ahmet\nCumhuriyet Caddesi No:86 D:38\n93060 Beşiktaş", "Cumhuriyet Caddesi No:86"),
        ("Saludos,\nIsrael\nRetorno Rivera 229\nC.P. 18728, San Lilia", "18728"),
        ("Julieta\nDiagonal San Miguel N° 44\nC7383 Mar del Plata", "C7383"),
    ],
)
def test_shapes_of_more_countries_and_chats(text: str, value: str) -> None:
    assert masked(text, value), redact(text).text


def test_an_amount_is_no_postcode() -> None:
    text = "Why did the plan go from CHF 49.99 to CHF 1299.99? Nothing changed."
    assert redact(text).count == 0, redact(text).text


def test_an_acronym_after_a_cue_word_is_no_name() -> None:
    text = "Hi Team, the export to CSV fails with error 0x80070005."
    assert redact(text).count == 0, redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        "Unit 3 of the pack was broken, the other 11 are fine.",
        "Order 12345, paid twice.",
        "The Diagonal 5 cable is broken",
        "Error E1234 on boot",
    ],
)
def test_units_and_orders_are_no_address(text: str) -> None:
    assert redact(text).count == 0, redact(text).text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Grace Hill (ghays@example.com)", "Grace Hill"),
        ("Mark Dixon <md@example.org> wrote", "Mark Dixon"),
        ("Cc: Urmas Soon (aleksandrkikkas@example.net)", "Urmas Soon"),
        ("May Ellingsen here, my order is late", "May Ellingsen"),
    ],
)
def test_display_names_and_who_writes(text: str, name: str) -> None:
    assert masked(text, name), redact(text).text


@pytest.mark.parametrize(
    "text",
    ["Support Team (help@example.com)", "Attn: Dr. Sara McGeady"],
)
def test_labels_and_teams_are_no_display_name(text: str) -> None:
    result = redact(text)
    assert not any(text[s.start : s.end] in {"Support Team", "Attn"} for s in result.spans)
