"""bench/pii_generated.py: the generated PII set is deterministic, its gold spans exact, and
bench/pii.py's scorer counts leak and over-masking as its docstring says."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from stdnum import iban, luhn

from helpdesk.pii import Redaction, Span

try:
    from bench.pii import fold_of, kfold, score
    from bench.pii_generated import LAYOUTS, LOCALES, MUST_MASK, generate
except ImportError:  # pragma: no cover - bench/ sits beside manage.py in a checkout
    pytest.skip("bench/ is not importable here", allow_module_level=True)

COUNT = 400
KINDS = {*MUST_MASK, "GPE", "ORGANIZATION", "TITLE"}
TRAINING_LOCALES = {"en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "da_DK",
                    "hu_HU", "pl_PL"}  # fmt: skip


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return generate(COUNT, seed=11)


def test_the_same_seed_gives_the_same_texts(records: list[dict]) -> None:
    again = generate(COUNT, seed=11)
    other = generate(COUNT, seed=12)

    assert again == records
    assert [r["full_text"] for r in other] != [r["full_text"] for r in records]


def test_gold_spans_are_exact_and_apart(records: list[dict]) -> None:
    for rec in records:
        text, ends = rec["full_text"], 0
        for span in rec["spans"]:
            start, end = span["start_position"], span["end_position"]
            assert text[start:end] == span["entity_value"], rec
            assert span["entity_type"] in KINDS
            assert start >= ends, rec  # sorted, none overlapping
            ends = end


def test_every_layout_and_locale_is_used(records: list[dict]) -> None:
    assert {r["layout"] for r in records} == {layout.name for layout in LAYOUTS}
    assert {r["locale"] for r in records} == {locale.code for locale in LOCALES}
    assert len(LAYOUTS) >= 40
    assert not TRAINING_LOCALES & {locale.code for locale in LOCALES}


def test_a_third_of_the_texts_hold_no_personal_data(records: list[dict]) -> None:
    free = [r for r in records if r["span_free"]]

    assert len(free) / len(records) >= 0.30
    for rec in records:
        must = [s for s in rec["spans"] if s["entity_type"] in MUST_MASK]
        assert bool(must) != rec["span_free"], rec


def test_cards_and_ibans_pass_their_checksums() -> None:
    spans = [s for r in generate(1500, seed=3) for s in r["spans"]]
    kinds = Counter(s["entity_type"] for s in spans)

    assert kinds["IBAN_CODE"] > 5
    assert kinds["CREDIT_CARD"] > 5
    for span in spans:
        if span["entity_type"] == "IBAN_CODE":
            assert iban.is_valid(span["entity_value"]), span
        if span["entity_type"] == "CREDIT_CARD":
            assert luhn.is_valid(span["entity_value"].replace(" ", "")), span


def test_score_counts_leak_and_over_masking() -> None:
    text = "Call Anna Berg on 0401 234 567 in Oulu."  # Anna Berg 5-14, phone 18-30, Oulu 34-38
    free_text = "Order 12345 left Oulu."  # only a place: no must-mask span
    spans = [
        {"entity_type": "PERSON", "start_position": 5, "end_position": 14},
        {"entity_type": "PHONE_NUMBER", "start_position": 18, "end_position": 30},
        {"entity_type": "GPE", "start_position": 34, "end_position": 38},
    ]
    records = [
        {"full_text": text, "spans": spans, "template_id": 1},
        {"full_text": free_text, "spans": [{"entity_type": "GPE", "start_position": 17,
                                            "end_position": 21}], "template_id": 2},
    ]  # fmt: skip
    masks = {
        text: (Span("PERSON", 5, 9, "<P>"), Span("PHONE_NUMBER", 18, 30, "<T>"),
               Span("PERSON", 0, 4, "<P>")),
        free_text: (Span("PHONE_NUMBER", 6, 11, "<T>"), Span("PERSON", 17, 21, "<P>")),
    }  # fmt: skip

    res = score(records, lambda t: Redaction(t, len(masks.get(t, ())), masks.get(t, ())))

    assert res["leak"]["part"] == 4  # "Berg"
    assert res["leak"]["whole"] == 8 + 10  # non-space characters of the name and the phone
    assert res["leak_by_type"]["PHONE_NUMBER"]["rate"] == 0
    # the span-free text: "12345" masked out of its 18 characters outside the place
    assert (res["overmask_spanfree"]["part"], res["overmask_spanfree"]["whole"]) == (5, 18)
    assert res["overmask_spanfree_strict"]["part"] == 9  # the masked place counts too
    # "Call" masked outside the gold spans of both texts (each has a gold span)
    assert res["overmask_outside"]["part"] == 4 + 5
    assert res["types"]["PERSON"]["lenient"]["r"] == 1.0
    assert [m[:2] for m in res["leaks"]] == [["PERSON", "\N{FULL BLOCK}" * 4 + " Berg"]]


def test_kfold_tunes_on_the_other_templates_and_scores_the_held_out_ones() -> None:
    records = [{"full_text": f"text {i}", "spans": [], "template_id": i % 7} for i in range(40)]
    seen: list[set[int]] = []

    def tune(train: list[dict]) -> Callable[[str], Redaction]:
        seen.append({r["template_id"] for r in train})
        return lambda text: Redaction(text, 0, ())

    res = kfold(records, 3, tune)

    assert len(res["folds"]) == 3
    assert sum(f["texts"] for f in res["folds"]) == len(records)
    for i, train in enumerate(seen):
        held_out = {t for t in range(7) if fold_of(t, 3) == i}
        assert train == set(range(7)) - held_out
