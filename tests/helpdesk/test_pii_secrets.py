"""Secrets in every format people type (helpdesk.pii, no database).

The secret table (tests/data/pii_secrets.json) and its negatives are masked as the memory
mirror masks by default (`kinds=SECRET_KINDS`); spans point into the original text however
the normalisation changed lengths; random valid cards with random separators are masked.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn
from stdnum.at import vnr
from stdnum.be import nn
from stdnum.ch import ssn as ahv
from stdnum.de import idnr
from stdnum.dk import cpr
from stdnum.es import dni, nie
from stdnum.fi import hetu
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.pl import pesel
from stdnum.pt import cc
from stdnum.pt import nif as pt_nif
from stdnum.se import personnummer
from stdnum.us import ssn as us_ssn

from bench.pii_secrets import compact, formats, leaks, load
from helpdesk import pii
from helpdesk.pii import ALL, NATIONAL_ID, SECRET_KINDS, PlaceholderMap, _normal, _secret, redact
from helpdesk.pii._base import PRIORITY
from helpdesk.pii.exits import Exit, exit_kinds

DATA = Path(__file__).resolve().parents[1] / "data"
ROWS = load(DATA / "pii_secrets.json")
NEGATIVES = load(DATA / "pii_secret_negatives.json")
KINDS = {"card", "iban", "password", "pin", "key", "national_id"}


def wide(text: str) -> str:
    """The full-width form of ASCII text (digits and letters as East Asian keyboards type)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _row_id(row: dict[str, str]) -> str:
    return f"{row['lang']}-{row['kind']}-{row['text'][:30]}"


# --- the table ----------------------------------------------------------------------------


def test_the_table_keeps_its_schema_and_its_breadth() -> None:
    assert len(ROWS) >= 120
    for row in ROWS:
        assert set(row) == {"lang", "kind", "text", "secret"}, row
        assert row["kind"] in KINDS, row
        assert row["secret"], row
        assert row["secret"] in row["text"], row
    langs = {row["lang"] for row in ROWS}
    assert {"en", "de", "fr", "es", "it", "nl", "pt"} <= langs
    assert {row["kind"] for row in ROWS} == KINDS
    by_shape, by_phrasing = formats(ROWS)
    assert by_shape >= 100
    assert by_phrasing >= 100


def _nino(value: str) -> bool:
    return re.fullmatch(r"[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]", value) is not None


def _de_social_insurance(value: str) -> bool:
    if re.fullmatch(r"\d{8}[A-Z]\d{3}", value) is None:
        return False
    digits = value[:8] + f"{ord(value[8]) - 64:02d}" + value[9:11]
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, weights, strict=True))
    return total % 10 == int(value[11])


def _es_social_security(value: str) -> bool:
    return len(value) == 12 and value.isdigit() and int(value[:10]) % 97 == int(value[10:])


NATIONAL_CHECKS = (
    dni.is_valid, nie.is_valid, nir.is_valid, idnr.is_valid, codicefiscale.is_valid,
    bsn.is_valid, pesel.is_valid, cpr.is_valid, personnummer.is_valid, fodselsnummer.is_valid,
    vnr.is_valid, pt_nif.is_valid, cc.is_valid, nn.is_valid, ahv.is_valid, hetu.is_valid,
    us_ssn.is_valid, _nino, _de_social_insurance, _es_social_security,
)  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_the_table_holds_only_valid_numbers(row: dict[str, str]) -> None:
    # The numbers are test numbers that pass their checksum, not invented ones.
    plain = unicodedata.normalize("NFKC", row["secret"])
    value = re.sub(r"[\W_]", "", plain).upper()
    if row["kind"] == "card":
        assert luhn.is_valid(value)
    elif row["kind"] == "iban":
        assert iban.is_valid(value)
    elif row["kind"] == "national_id":
        # HETU keeps its century sign; the others are checked without separators.
        assert any(check(value) for check in NATIONAL_CHECKS) or hetu.is_valid(plain)


# --- every entry masked, every negative kept ---------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_no_secret_of_the_table_survives_what_the_mirror_masks(row: dict[str, str]) -> None:
    red = redact(row["text"], kinds=SECRET_KINDS)

    assert row["secret"] not in red.text
    assert compact(row["secret"]) not in compact(red.text), red.text
    assert red.spans


@pytest.mark.parametrize("row", NEGATIVES, ids=lambda r: f"{r['lang']}-{r['text'][:30]}")
def test_negatives_keep_their_numbers_and_words(row: dict[str, str]) -> None:
    red = redact(row["text"], kinds=SECRET_KINDS)

    assert red.spans == (), red.text
    assert red.text == row["text"]


def test_negatives_are_many_and_in_the_same_languages() -> None:
    assert len(NEGATIVES) >= 60
    assert {"en", "de", "fr", "es", "it", "nl", "pt"} <= {row["lang"] for row in NEGATIVES}


def test_the_leak_check_reads_secrets_through_separators_and_case() -> None:
    assert leaks("4111 1111 1111 1111", "card 4111-1111-1111-1111")
    assert leaks("de89 3704", "DE893704")
    assert not leaks("Geheim123abc", "Passwort: <SECRET_1>")


# --- offsets into the original text ---------------------------------------------------------


def _assert_spans_rebuild(text: str, red: pii.Redaction) -> None:
    """The masked text is the original with exactly the spans' characters replaced."""
    parts, pos = [], 0
    for span in red.spans:
        parts += [text[pos : span.start], span.placeholder]
        pos = span.end
    assert "".join([*parts, text[pos:]]) == red.text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "\ufb01nal try: card " + wide("4111 1111 1111 1111") + " ok",
            wide("4111 1111 1111 1111"),
        ),
        (
            "\ufb03 Karte 4111\u00a01111  1111\u2009\u20091111.",
            "4111\u00a01111  1111\u2009\u20091111",
        ),
        (
            "IBAN\u3000" + wide("DE89 3704 0044 0532 0130 00"),
            wide("DE89 3704 0044 0532 0130 00"),
        ),
        (wide("password:Wide123x"), wide("Wide123x")),
        ("contrasen\u0303a: Gato1234xyz", "Gato1234xyz"),
        (wide("Steuer") + "-" + wide("ID 36 574 261 809") + " bitte", wide("36 574 261 809")),
        ("4111\u200b1111\u200b1111\u200b1111 (zero-width)", "4111\u200b1111\u200b1111\u200b1111"),
    ],
)
def test_spans_point_into_the_original_text(text: str, value: str) -> None:
    red = redact(text, kinds=SECRET_KINDS)

    (span,) = red.spans
    assert text[span.start : span.end] == value
    _assert_spans_rebuild(text, red)


def test_normalisation_maps_every_character_back() -> None:
    text = "\ufb03\u00a0\u00a0x\u2013y\u200bz n\u0303 " + wide("42")
    norm = _normal.normalise(text)

    assert norm.text == "ffi x-yz ñ 42"
    assert norm.span(0, 3) == (0, 1)  # three letters from one ligature
    assert norm.span(1, 2) == (0, 1)
    assert norm.span(3, 4) == (1, 3)  # one space from two no-break spaces
    assert norm.span(7, 8) == (7, 8)  # "z" after the removed zero-width space
    assert norm.span(9, 10) == (9, 11)  # "ñ" from "n" and a combining tilde
    assert norm.span(11, 13) == (12, 14)
    assert _normal.normalise("plain ascii").starts is None


def test_full_width_and_plain_cards_share_a_placeholder() -> None:
    mapping = PlaceholderMap()
    a = redact("card " + wide("4111 1111 1111 1111"), kinds=SECRET_KINDS, mapping=mapping)
    b = redact("card 4111-1111-1111-1111", kinds=SECRET_KINDS, mapping=mapping)

    assert a.text == b.text == "card <CARD_1>"


# --- phrasings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Mein Passwort: Geheim123abc", "Mein Passwort: <SECRET_1>"),
        ("the password was Tr0ub4dor&3", "the password was <SECRET_1>"),
        ("Gato1234 es mi contraseña", "<SECRET_1> es mi contraseña"),
        ("my PIN 4821", "my PIN <SECRET_1>"),
        ('{"password": "n0tS0Secret"}', '{"password": "<SECRET_1>"}'),
        ("Password: Sonnenschein", "Password: <SECRET_1>"),  # assigned: any word
        ("Passwort: Tanne 123", "Passwort: <SECRET_1>"),  # a passphrase with a space
        ("my password is Sommer 2024!", "my password is <SECRET_1>!"),
        ("password: hunter2 please reset", "password: <SECRET_1> please reset"),
        ("paid with 4222.2222.2222.2 today", "paid with <CARD_1> today"),  # 13 digits
        ("4000/0123/4567/893 was charged", "<CARD_1> was charged"),  # 15 digits
    ],
)
def test_the_value_is_masked_and_the_cue_kept(text: str, masked: str) -> None:
    assert redact(text, kinds=SECRET_KINDS).text == masked


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password yesterday",
        "reset your password please",
        "the password reset link",
        "my password is wrong",
        "my password is wrong 3 times",
        "my password is sunshine",  # a word after "is" is not taken for a password
        "Passwort: siehe unten",
        "Mon mot de passe est incorrect",
        "PIN 12 blocked",
        "API key expired",
    ],
)
def test_ordinary_words_after_a_cue_are_kept(text: str) -> None:
    assert redact(text, kinds=SECRET_KINDS).spans == ()


def test_the_quick_cue_test_hides_nothing_the_phrases_find(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [_normal.normalise(row["text"]).text for row in ROWS + NEGATIVES]
    gated = [_secret.secrets(text) for text in texts]
    monkeypatch.setattr(_secret, "_has_cue", lambda text: True)

    assert [_secret.secrets(text) for text in texts] == gated


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Passwort: Tanne123", "Passwort: <SECRET_1>"),
        ("Mein Passwort lautet Blau77", "Mein Passwort lautet <SECRET_1>"),
        ("I am Maria Pin, PIN 4821", "I am <PERSON_1> Pin, PIN <SECRET_1>"),
    ],
)
def test_a_secrets_cue_is_no_name(text: str, masked: str) -> None:
    assert redact(text).text == masked


def test_national_ids_are_a_secret_kind() -> None:
    assert NATIONAL_ID in SECRET_KINDS
    assert NATIONAL_ID in ALL
    assert exit_kinds(Exit.MEMORY) >= {NATIONAL_ID}
    red = redact("DNI 12345678Z, call +34 612 345 678", kinds=SECRET_KINDS)
    assert red.text == "DNI <NATIONAL_ID_1>, call +34 612 345 678"


def test_a_card_beside_its_expiry_or_a_date_is_found_after_a_card_word() -> None:
    assert redact("Karte 4111 1111 1111 1111 12/25", kinds=SECRET_KINDS).text == (
        "Karte <CARD_1> 12/25"
    )
    assert redact("card paid 15.03.2024 4111 1111 1111 1111", kinds=SECRET_KINDS).text == (
        "card paid 15.03.2024 <CARD_1>"
    )
    tracking = "tracking 9400 1000 0000 0000 0000 00"
    assert redact(tracking, kinds=SECRET_KINDS).text == tracking


# --- overlapping detections ------------------------------------------------------------------


def _resolve_reference(cands: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The resolver as first written: plain, and quadratic in the number of spans."""
    chosen: list[tuple[str, int, int]] = []
    order = sorted(cands, key=lambda c: (-PRIORITY[c[0]], c[1] - c[2], c[1]))
    for kind, start, end in order:
        pieces = [(start, end)]
        for _, s, e in chosen:
            pieces = [p for a, b in pieces for p in ((a, min(b, s)), (max(a, e), b)) if p[0] < p[1]]
        chosen += [(kind, a, b) for a, b in pieces if b - a >= 2 or (start == a and end == b)]
    return sorted(chosen, key=lambda c: c[1])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(PRIORITY)), st.integers(0, 60), st.integers(1, 15)),
        max_size=15,
    )
)
def test_the_resolver_keeps_what_the_plain_one_kept(spans: list[tuple[str, int, int]]) -> None:
    # Rewritten with bisection for texts with thousands of secrets ("password: x" repeated).
    cands = [(kind, start, start + size) for kind, start, size in spans]

    assert pii._resolve(cands) == _resolve_reference(cands)


# --- random cards ---------------------------------------------------------------------------

CARD_TYPES = [("4", 16, (4, 4, 4, 4)), ("51", 16, (4, 4, 4, 4)), ("6011", 16, (4, 4, 4, 4)),
              ("37", 15, (4, 6, 5)), ("35", 16, (4, 4, 4, 4)), ("36", 14, (4, 6, 4)),
              ("4", 19, (4, 4, 4, 4, 3))]  # fmt: skip
SEPARATORS = ["", " ", "  ", "\u00a0", "\u2009", "\u202f", "\u3000", "-", " - ", ".", "/"]
SENTENCES = ["card {}", "My card is {} thanks", "Karte {}.", "Ma carte {}, merci",
             "tarjeta: {}", "la mia carta {} è bloccata", "kaart {}", "cartão {}"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    card_type=st.sampled_from(CARD_TYPES),
    body=st.text(alphabet="0123456789", min_size=18, max_size=18),
    separator=st.sampled_from(SEPARATORS),
    spaces=st.lists(st.sampled_from(["", " ", "  ", "\u00a0", "-"]), min_size=4, max_size=4),
    mixed=st.booleans(),
    full_width=st.booleans(),
    sentence=st.sampled_from(SENTENCES),
)
def test_random_valid_cards_with_any_accepted_separator_are_masked(
    card_type: tuple[str, int, tuple[int, ...]],
    body: str,
    separator: str,
    spaces: list[str],
    mixed: bool,
    full_width: bool,
    sentence: str,
) -> None:
    prefix, length, layout = card_type
    digits = (prefix + body)[: length - 1]
    digits += luhn.calc_check_digit(digits)
    assume(len(set(digits)) > 1)
    groups, pos = [], 0
    for size in layout:
        groups.append(digits[pos : pos + size])
        pos += size
    # One separator throughout, or (spaces and dashes only) a different one in each gap.
    seps = spaces[: len(groups) - 1] if mixed else [separator] * (len(groups) - 1)
    number = groups[0] + "".join(s + g for s, g in zip(seps, groups[1:], strict=True))
    if full_width:
        number = wide(number)
    text = sentence.format(number)

    red = redact(text, kinds=SECRET_KINDS)

    assert compact(number) not in compact(red.text), red.text
    assert [s.kind for s in red.spans] == ["CREDIT_CARD"]
    _assert_spans_rebuild(text, red)
