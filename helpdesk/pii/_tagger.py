"""A statistical layer for names, street addresses, postcodes and phone numbers.

A linear-chain CRF (``python-crfsuite``) tags each word with BIO labels from its shape, its
place in the line, the name and street-word lists of ``_lexicon`` and ``_address``, and its
neighbours. It is trained on Faker text from ten locales and the presidio development records
(``bench/pii_training.py``), not on the words of any one data set, so it finds names and
addresses the hand-written rules were not written for ("Ringvej 144", "Suite 828" on its own
line, "(37) 788-063"). Its detections are added to the rules' (never replace them); a span is
kept only when the model's mean marginal probability over its words reaches ``MIN_CONFIDENCE``.

The model file ships in ``helpdesk/pii/data/``; without it (or without ``pycrfsuite``) the
filter runs on its rules alone.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

from . import _lexicon as L
from . import _patterns as P
from ._address import EU_TYPES, US_TYPES
from ._base import ADDRESS, PERSON, PHONE, ZIP

MODEL = Path(__file__).resolve().parent / "data" / "tagger.crfsuite"
MIN_CONFIDENCE = 0.5
# A single word in no name list ("Wifi", "Lefebvre") is a name only when the model is this sure.
LONE_WORD_CONFIDENCE = 0.9

TOKEN = re.compile(r"\w+|[^\w\s]")
KINDS = {"PER": PERSON, "ADDR": ADDRESS, "ZIP": ZIP, "PHONE": PHONE}
TAGS = {kind: tag for tag, kind in KINDS.items()}
KIND_SET = frozenset(KINDS.values())
UNITS = frozenset(
    ("apt", "apartment", "suite", "ste", "unit", "flat", "fl", "floor", "room", "box", "bldg")
)
STREET_END = re.compile(
    r"(?:stra(?:ss|ß)e|str|gasse|weg|allee|platz|ring|damm|vej|gade|gata|gatan|vägen|veien|"
    r"katu|tie|kuja|straat|laan|plein|gracht|kade|singel|utca|út|tér|iela|gatvė|ulica|cesta)$"
)

Token = tuple[int, int]
Cand = tuple[str, int, int]


def tokens(text: str) -> list[Token]:
    return [m.span() for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"[A-ZÀ-ÞĀ-Ž]", "X", word)
    shape = re.sub(r"[^\WX\d_]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)


def _zipf_bucket(word: str) -> str:
    z = L.zipf(word)
    return "0" if z == 0 else str(min(int(z), 6))


def _word_features(word: str) -> list[str]:
    low = word.casefold()
    feats = [f"w={low}", f"sh={_shape(word)}", f"suf3={low[-3:]}", f"pre2={low[:2]}"]
    if word.isdigit():
        feats.append(f"nd={min(len(word), 9)}")
    elif word[:1].isalpha():
        feats.append(f"z={_zipf_bucket(word)}")
        if word[0].isupper():
            feats.append("cap")
        if L.is_given(word):
            feats.append("given")
        if L.is_surname(word):
            feats.append("surname")
        if low in US_TYPES or low in EU_TYPES:
            feats.append("street")
        elif STREET_END.search(low):
            feats.append("street_end")
        if low in UNITS:
            feats.append("unit")
    return feats


# Features a token shares with its neighbours (prefixed with their offset).
_SHARED = ("w=", "sh=", "cap", "given", "surname", "street", "street_end", "unit", "nd=", "z=")


# What a line asks about, for the answer on the next ("Which postcode?" / "2903650").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ASKS = {
    "zip": _words("postcode zip postal plz cap cep postnummer postinumero irányítószám pocztowy"),
    "phone": _words("phone number tel telefon téléphone teléfono telefono mobile call ring"),
    "name": _words("name nom nombre nome naam navn imię nazwisko jméno név"),
    "addr": _words("address street adresse dirección indirizzo adres adresa cím deliver ship"),
}


def _asked(words: list[str]) -> list[str]:
    folded = {w.casefold() for w in words}
    return [f"asked={topic}" for topic, cues in ASKS.items() if folded & cues]


def features(text: str, toks: list[Token]) -> list[list[str]]:
    """Binary features for each token of ``text`` (for training and tagging alike)."""
    words = [text[s:e] for s, e in toks]
    base = [_word_features(w) for w in words]
    line_start = [i == 0 or "\n" in text[toks[i - 1][1] : toks[i][0]] for i in range(len(toks))]
    line_end = [i == len(toks) - 1 or line_start[i + 1] for i in range(len(toks))]
    out: list[list[str]] = []
    line_no, line_len, line_begin = -1, 0, 0
    asked: list[str] = []
    for i, feats in enumerate(base):
        if line_start[i]:
            if line_no >= 0:
                asked = _asked(words[line_begin:i])
            line_no += 1
            line_begin = i
            j = i + 1
            while j < len(toks) and not line_start[j]:
                j += 1
            line_len = j - i
        row = ["bias", *feats, f"line={min(line_no, 4)}", f"linelen={min(line_len, 8)}", *asked]
        if line_start[i]:
            row.append("bol")
        if line_end[i]:
            row.append("eol")
        if toks[i][0] > 0 and text[toks[i][0] - 1] == " ":
            row.append("space_before")
        for off in (-2, -1, 1, 2):
            k = i + off
            if 0 <= k < len(base):
                row += [f"{off}:{f}" for f in base[k] if f.startswith(_SHARED)]
                if off == -1 and line_start[i]:
                    row.append("-1:nl")
            else:
                row.append(f"{off}:none")
        out.append(row)
    return out


def bio(toks: list[Token], spans: list[tuple[str, int, int]]) -> list[str]:
    """Gold BIO labels of ``toks`` from character spans (types other than ours: ``O``)."""
    labels = ["O"] * len(toks)
    for kind, start, end in spans:
        tag = TAGS.get(kind)
        if tag is None:
            continue
        first = True
        for i, (s, e) in enumerate(toks):
            if s < end and start < e:
                labels[i] = ("B-" if first else "I-") + tag
                first = False
    return labels


_local = threading.local()
_current_model = MODEL


def use_model(path: Path) -> Path:
    """Tag with the model at ``path`` from now on (benchmarks compare models); returns the
    previous one. The caller clears the filter's detection cache."""
    global _current_model
    previous, _current_model = _current_model, path
    return previous


@cache
def _available(path: Path) -> bool:
    try:
        import pycrfsuite  # noqa: F401
    except ImportError:
        return False
    return path.exists()


def _tagger(path: Path) -> Any:
    """One crfsuite tagger per thread and model (a tagger is not thread-safe)."""
    taggers: dict[Path, Any] = _local.__dict__.setdefault("taggers", {})
    if path not in taggers:
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        taggers[path] = tagger
    return taggers[path]


def tag(
    text: str, *, model: Path | None = None, min_confidence: float = MIN_CONFIDENCE
) -> list[Cand]:
    """Spans the model finds in ``text``, as (kind, start, end)."""
    model = model or _current_model
    toks = tokens(text)
    if not toks or not any(ch.isalnum() for ch in text) or not _available(model):
        return []
    tagger = _tagger(model)
    tagger.set(features(text, toks))
    labels = tagger.tag()
    found: list[Cand] = []
    i = 0
    while i < len(labels):
        if labels[i] == "O":
            i += 1
            continue
        tag_ = labels[i][2:]
        j = i + 1
        while j < len(labels) and labels[j] == f"I-{tag_}":
            j += 1
        confidence = sum(tagger.marginal(labels[k], k) for k in range(i, j)) / (j - i)
        if confidence >= min_confidence:
            for a, b in _pieces(text, toks, i, j, KINDS[tag_]):
                cand = (KINDS[tag_], toks[a][0], toks[b - 1][1])
                if _plausible(text, cand, [text[s:e] for s, e in toks[a:b]], confidence):
                    found.append(cand)
        i = j
    return found


def _pieces(text: str, toks: list[Token], i: int, j: int, kind: str) -> list[tuple[int, int]]:
    """Token ranges of one tagged span: only an address runs over several lines, and no
    span takes in a form label ("phone:") at the start of a line."""
    pieces, start = [], i
    for k in range(i + 1, j):
        new_line = "\n" in text[toks[k - 1][1] : toks[k][0]]
        label = new_line and k + 1 < len(toks) and text[toks[k + 1][0]] == ":"
        if new_line and (kind != ADDRESS or label):
            pieces.append((start, k))
            if label:
                return pieces
            start = k
    pieces.append((start, j))
    return pieces


# "T-000007", "INV-2026-5749": a reference, not a phone number.
REFERENCE = re.compile(r"[A-Za-z]-\d")
UNIT_WORDS = UNITS | frozenset(
    ("the", "a", "an", "of", "on", "at", "in", "level", "lvl", "no", "nr", "rd", "th", "st", "nd")
)


def _plausible(text: str, cand: Cand, words: list[str], confidence: float) -> bool:
    """The sanity checks of the rules: a common English word alone is no name (nor a word in no
    name list, unless the model is sure), an address
    inside a sentence names a street (not just a floor or a room), and a postcode stands alone
    on its line (after a label) or beside a place name; a phone number is no reference
    ("T-000007")."""
    kind, start, end = cand
    cased = any(c.isupper() for c in text) and any(c.islower() for c in text)
    if kind == PERSON and any(w.casefold() in P.CLOSINGS or w.isdigit() for w in words):
        return False  # "S pozdravom", "Liebe Grüße", "objednávka č. 48213"
    if kind == PERSON and len(words) == 1:
        if L.is_given(words[0]) or L.is_surname(words[0]):
            return True
        if SENTENCE_GOES_ON.match(text, end) and _starts_sentence(text, start):
            return False  # "Wifi drops again": capitalised only because a sentence starts
        return not L.is_common(words[0]) and confidence >= LONE_WORD_CONFIDENCE
    if kind == PHONE:
        return not (
            REFERENCE.search(text[max(0, start - 8) : start + 2])
            or P.YEAR_REFERENCE.fullmatch(text[start:end])
            or P.NOT_PHONE_CUE.search(text[max(0, start - 25) : start])
        )
    if kind == ZIP:
        return _alone(text, start, end) or _next_to_a_place(text, start, end)
    if kind == ADDRESS and any(w.casefold() in P.BUSINESS_WORDS for w in words):
        return False  # "order ZX-99120": a reference, not a house number
    if kind == ADDRESS:
        if _alone(text, start, end):
            return True
        if not any(_street_name_word(w, cased) for w in words):
            return False
        # A street without a number needs a street type or a cue before it ("my new address
        # is chemin Pascal Robadey"), or it is any phrase ("yhä samaa paikkaa (Loppi)").
        return (
            any(c.isdigit() for c in text[start:end])
            or any(_street_type(w) for w in words)
            or _after_address_cue(text, start)
        )
    return True


def _street_type(word: str) -> bool:
    low = word.casefold()
    return low in US_TYPES or low in EU_TYPES or bool(STREET_END.search(low))


_ADDRESS_CUE_BEFORE = re.compile(
    r"(?i)(?:address(?:e|es)?|adresse?|dirección|indirizzo|adres|cím)\b[^.\n]{0,12}"
    r"(?:\bis\b|:|\bist\b|\best\b|\bes\b|\bè\b|\bis\b)[ \t]*$|(?:live|lives|living|moved)[ \t]+"
    r"(?:at|on|to|in)[ \t]+$"
)


def _after_address_cue(text: str, start: int) -> bool:
    return bool(_ADDRESS_CUE_BEFORE.search(text, max(0, start - 40), start))


def _street_name_word(word: str, cased: bool) -> bool:
    """A word a street is named with: a compound street name ("Storgatan"), or a street type
    or proper noun (no common word) capitalised where the text uses capitals ("3 park
    passes" names no street)."""
    low = word.casefold()
    if not word.isalpha() or len(word) < 3 or low in UNIT_WORDS:
        return False
    suffix = STREET_END.search(low)
    if suffix and suffix.start() > 0:
        return True
    capitalised = word[0].isupper() or not cased
    if low in US_TYPES or low in EU_TYPES or suffix:
        return capitalised
    return not L.is_common(word) and capitalised


SENTENCE_GOES_ON = re.compile(r"[ \t]+[a-zà-ÿ]")


def _starts_sentence(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].rstrip()
    return not before or before[-1] in ".!?:;\"'“”«»(-"


def _alone(text: str, start: int, end: int) -> bool:
    """Nothing but a label ("Postcode:") before the span on its line, nothing after it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)
    before = text[line_start:start].strip()
    return (not before or before.endswith(":")) and not text[end:line_end].strip(" .,")


def _next_to_a_place(text: str, start: int, end: int) -> bool:
    """A place name beside the postcode: not a word that only starts the sentence, nor a
    business word ("Bestelling 87399")."""
    before = list(TOKEN.finditer(text, max(0, start - 40), start))
    after = TOKEN.findall(text[end : end + 40])
    near = after[:1]
    if before and not _starts_sentence(text, before[-1].start()):
        near.append(before[-1][0])
    return any(
        w.istitle() and w.isalpha() and len(w) > 2 and not L.is_common(w)
        and w.casefold() not in P.BUSINESS_WORDS
        for w in near
    )  # fmt: skip
