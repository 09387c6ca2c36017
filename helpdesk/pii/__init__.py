"""PII filtering: detect and mask personal data before text leaves the product.

Policy mapping (what is masked, and why):

* Masked everywhere (``ALL``): ``PERSON``, ``EMAIL_ADDRESS``, ``PHONE_NUMBER``, ``CREDIT_CARD``
  (Luhn-checked), ``IBAN_CODE`` (ISO 13616 checksum), ``US_SSN``, ``NATIONAL_ID`` (identity
  and tax numbers of other countries: Spanish DNI/NIE, French NIR, German Steuer-ID, Italian
  codice fiscale, Dutch BSN, UK NINO, Polish PESEL, Danish CPR and more, by checksum and cue
  word), ``US_DRIVER_LICENSE``, ``STREET_ADDRESS``, ``ZIP_CODE``, ``IP_ADDRESS``, ``SECRET``
  (passwords, PINs, card security codes, API keys and tokens written in text, in English,
  German, French, Spanish, Italian, Dutch, Portuguese and a few more languages: the value
  after the cue word, not the cue) and ``CUSTOMER_ID`` (ids from the customer's own record).
  These identify or contact a person, or give access to their money or accounts.
* Not masked: places (cities, countries), organisations, dates and times, job titles,
  nationalities, ages and domain names. They rarely identify a person alone and masking them
  would make prompts and drafts useless. Order numbers and other business references are not
  masked either (the agent needs them), unless the caller passes them as ``known.ids``.
* Which kinds each exit of the product masks is decided in one place, ``exits``: every kind
  for the language model, the handoff and the notification e-mail; for the memory backend
  ``SECRET_KINDS`` (cards, IBANs, US and other national ids, driver licences, secrets, customer ids)
  always and ``CONTACT_KINDS`` only when the operator's setting says so.
* Whatever the customer record holds (``KnownIdentifiers``: names, emails, phones, ids) is
  masked wherever its kind is, case-insensitively (ids always); each part of a known name
  (a first name alone) too.

Masks are typed placeholders such as ``<EMAIL_1>``; one ``PlaceholderMap`` gives the same
placeholder to the same value across several calls (one prompt, or one draft). Detection uses
regular expressions with checksums (``python-stdnum``), ``phonenumbers``, and:

* secrets (``_payment``, ``_secret``, ``_national``) read a normalised copy of the text
  (``_normal``: NFKC, so full-width digits are digits; every Unicode space or run of spaces one
  space; Unicode dashes ``-``), and their spans are mapped back to the original characters.
  Cards and IBANs may be written with spaces, dashes, dots or slashes (dots and slashes only in
  a card's own 4-4-4-4 layout or after a card word, so dates, prices and versions stay),
  IBANs in any case.
  Measured by ``bench/pii_secrets.py`` on ``tests/data/pii_secrets.json``;
* names (``_person``): runs of capitalised words (with initials and particles such as "van
  der") holding a given name or surname from word lists that ship inside packages: the US
  census lists of ``names``, about 80,000 given names from many countries read from the data
  file of ``nomquamgender``, surname endings (-ov, -ska, -sson, -ić, -inen, ...); English word
  frequencies from ``wordfreq`` keep common words ("Will", "Billing", "Apple") out. A rare
  capitalised word alone is a name only with evidence: a cue before ("my name is", "Dear",
  "says", "my son"), a person verb after ("said", "lives", "'s"), a list with a name in it.
  Every other mention of a found name is masked too. Text written without capitals is read
  with the word lists only, more strictly;
* addresses (``_address``): a street core (house number + name + USPS street type, street type
  first as in "Rue de la Gare 5" / "ul. Miła 53", compound street names such as
  "Bahnhofstraße 12", PO boxes, military addresses, "the corner of A and B") grown over what
  follows in an address block (flat, city, region, country, postcode, across lines);
* postcodes: after "zip"/"postcode", after a US state, UK/Canadian formats, after a place
  name ("in Arendal 4844"), or alone on the line that answers "which postcode?"; any 5 digits
  alone are not a postcode;
* phones: ``phonenumbers`` read with the regions the text suggests (``_regions``), US first;
* a statistical layer (``_tagger``): a CRF sequence tagger trained on Faker text from ten
  locales (``bench/pii_training.py``) adds the names, street addresses, postcodes and phones
  it is sure of and that pass the rules' sanity checks; it finds what the rules were not
  written for (streets of other countries, signature lines, lower-case names);
* labelled fields (``_fields``): values under a label that names a person, street, postcode or
  phone, in forms, JSON, ``key=value`` pairs and pasted tables, in many languages.

``nomquamgender``, ``wordfreq`` and the tagger's model are optional at run time: without them
the filter still works with the census lists and rules. No model is downloaded; no Django
import. Measured by ``bench/pii.py`` (Recipe C, k-fold by template, and a generated set of
locales and layouts it was not written for).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ._base import (
    ADDRESS,
    ALL,
    CARD,
    CONTACT_KINDS,
    CUSTOMER_ID,
    DRIVER_LICENSE,
    EMAIL,
    IBAN,
    IP,
    LABELS,
    NATIONAL_ID,
    PERSON,
    PHONE,
    PRIORITY,
    SECRET,
    SECRET_KINDS,
    SSN,
    WEAK_ADDRESS,
    ZIP,
    KnownIdentifiers,
)  # fmt: skip
from ._detect import Cand, detect

__all__ = [
    "ADDRESS", "ALL", "CARD", "CONTACT_KINDS", "CUSTOMER_ID", "DRIVER_LICENSE", "EMAIL", "IBAN",
    "IP", "NATIONAL_ID", "PERSON", "PHONE", "SECRET", "SECRET_KINDS", "SSN", "ZIP",
    "KnownIdentifiers", "PlaceholderMap", "Redaction", "Span", "redact",
]  # fmt: skip


# Detections are remembered for this many texts of up to CACHED_TEXT_CHARS each (the
# reply composer cuts what it masks to 2,000): at most about 16 MB.
DETECTION_CACHE_SIZE = 4096
CACHED_TEXT_CHARS = 4_000


@dataclass(frozen=True)
class Span:
    kind: str
    start: int  # offsets in the original text, end exclusive
    end: int
    placeholder: str


@dataclass(frozen=True)
class Redaction:
    text: str
    count: int
    spans: tuple[Span, ...]


def _norm(kind: str, value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    if kind in (PHONE, CARD, SSN, NATIONAL_ID, IBAN):
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return " ".join(value.casefold().split())


# What a mask looks like in text: "<EMAIL_1>", "<PERSON_4>".
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")


@dataclass
class PlaceholderMap:
    """Same value, same placeholder, across every call that shares this map."""

    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    originals: dict[str, str] = field(default_factory=dict)

    def placeholder(self, kind: str, value: str) -> str:
        key = (LABELS[kind], _norm(kind, value))
        if key not in self._by_value:
            label = LABELS[kind]
            self._counts[label] = self._counts.get(label, 0) + 1
            tag = f"<{label}_{self._counts[label]}>"
            self._by_value[key] = tag
            self.originals[tag] = value
        return self._by_value[key]

    def restore(self, text: str) -> str:
        """Put the original values back (for a draft shown to the agent only)."""
        return PLACEHOLDER.sub(lambda m: self.originals.get(m[0], m[0]), text)


def _resolve(cands: list[Cand]) -> list[Cand]:
    """Keep the best non-overlapping detections; a lower one keeps the parts left uncovered.

    The kept spans never overlap and stay sorted by start, so each candidate meets only its
    neighbours (found by bisection): thousands of spans in one huge text stay fast."""
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[str] = []
    for kind, start, end in sorted(cands, key=lambda c: (-PRIORITY[c[0]], c[1] - c[2], c[1])):
        pieces: list[tuple[int, int]] = []
        pos = start
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(starts) and starts[i] < end:
            if ends[i] > pos:
                if starts[i] > pos:
                    pieces.append((pos, starts[i]))
                pos = ends[i]
            i += 1
        if pos < end:
            pieces.append((pos, end))
        for a, b in pieces:
            if b - a >= 2 or (start == a and end == b):
                at = bisect.bisect_left(starts, a)
                starts.insert(at, a)
                ends.insert(at, b)
                kinds.insert(at, kind)
    return list(zip(kinds, starts, ends, strict=True))


@functools.lru_cache(maxsize=DETECTION_CACHE_SIZE)
def _detections(
    text: str, known: KnownIdentifiers | None, kinds: frozenset[str]
) -> tuple[Cand, ...]:
    """What to mask in `text`. Remembered: a ticket's drafts mask the same texts again
    and again (its messages, its memories, the past tickets it cites)."""
    return tuple(_resolve(detect(text, known, kinds)))


def redact(
    text: str,
    *,
    known: KnownIdentifiers | None = None,
    kinds: frozenset[str] = ALL,
    mapping: PlaceholderMap | None = None,
) -> Redaction:
    """Mask every detected value of ``kinds`` (and all ``known`` values) with placeholders."""
    mapping = mapping if mapping is not None else PlaceholderMap()
    spans: list[Span] = []
    parts: list[str] = []
    pos = 0
    if len(text) <= CACHED_TEXT_CHARS:
        detections = _detections(text, known, kinds)
    else:
        detections = tuple(_resolve(detect(text, known, kinds)))
    for kind, start, end in detections:
        kind = ADDRESS if kind == WEAK_ADDRESS else kind
        # Trim whitespace and punctuation picked up at the edges.
        while start < end and not (text[start].isalnum() or text[start] in "+("):
            start += 1
        while end > start and not (text[end - 1].isalnum() or text[end - 1] in ".=)"):
            end -= 1
        if end <= start:
            continue
        tag = mapping.placeholder(kind, text[start:end])
        spans.append(Span(kind, start, end, tag))
        parts += [text[pos:start], tag]
        pos = end
    parts.append(text[pos:])
    return Redaction("".join(parts), len(spans), tuple(spans))
