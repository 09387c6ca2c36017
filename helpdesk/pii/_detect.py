"""Detectors: each returns candidate spans (kind, start, end) in the original text."""

from __future__ import annotations

import functools
import ipaddress
import re

import phonenumbers

from . import _address, _fields, _national, _normal, _payment, _person, _regions, _secret, _tagger
from . import _patterns as P
from ._base import (
    ADDRESS,
    CARD,
    CUSTOMER_ID,
    DRIVER_LICENSE,
    EMAIL,
    IBAN,
    IP,
    NATIONAL_ID,
    PERSON,
    PHONE,
    SECRET,
    SSN,
    WEAK_ADDRESS,
    ZIP,
    KnownIdentifiers,
)  # fmt: skip


def _is_name(token: str) -> bool:
    return _person.given(token)


# --- detectors ------------------------------------------------------------------------------

Cand = tuple[str, int, int]


def _group_spans(rx: re.Pattern[str], text: str, kind: str, group: int = 0) -> list[Cand]:
    return [(kind, m.start(group), m.end(group)) for m in rx.finditer(text)]


def _phone_cue(text: str, start: int, end: int) -> bool:
    """A phone word shortly before (and no order/ticket word: bare digits are often ids), or
    right after."""
    before = text[max(0, start - 60) : start]
    if P.PHONE_CUE.search(before) and not P.NOT_PHONE_CUE.search(before[-25:]):
        return True
    return bool(P.PHONE_CUE_AFTER.match(text, end))


_URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [(u.start(), u.end()) for u in _URL.finditer(text)] if "://" in text else []


def _in_url(urls: list[tuple[int, int]], start: int, end: int) -> bool:
    """Digits inside a link (an archive's 14-digit date, a document id) are no card or phone."""
    return any(a <= start and end <= b for a, b in urls)


def _phones(text: str) -> list[Cand]:
    out: list[Cand] = []
    urls = _url_spans(text)
    for region in _regions.regions(text):
        for found in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            if _in_url(urls, found.start, found.end) or P.DATEISH.fullmatch(found.raw_string):
                continue
            bare = found.raw_string.isdigit() or P.YEAR_REFERENCE.fullmatch(found.raw_string)
            if not bare or _phone_cue(text, found.start, found.end):
                out.append((PHONE, _with_trunk(text, found.start), found.end))
    for m in P.PHONE_ANY.finditer(text):
        raw = m[0]
        extension = P.PHONE_EXTENSION.search(raw)
        digits = sum(c.isdigit() for c in raw[: extension.start() if extension else None])
        if not 6 <= digits <= 15 or P.DATEISH.fullmatch(raw):
            continue
        if digits == 6 and not (
            re.fullmatch(r"\d\d[ .-]\d\d[ .-]\d\d", raw) and _phone_cue(text, m.start(), m.end())
        ):
            continue  # six digits are a phone only in pairs after a phone word ("Tel. 45 12 78")
        if _in_url(urls, m.start(), m.end()):
            continue
        if P.YEAR_REFERENCE.fullmatch(raw) and not _phone_cue(text, m.start(), m.end()):
            continue
        if (
            raw.startswith(("+", "("))
            or extension
            or _phone_cue(text, m.start(), m.end())
            or _national_anywhere(raw, digits, text, m.start())
        ):
            out.append((PHONE, _with_trunk(text, m.start()), m.end()))
    return out


def _national_anywhere(raw: str, digits: int, text: str, start: int) -> bool:
    """Written in groups as people write phone numbers ("0905 123 456", "22-345 67 89"), or
    whole after a trunk zero ("0855797543"), and a valid national number of some country, when
    no order or ticket word comes before; or an area code and a slash ("0732/06792470")."""
    if P.AREA_CODE_SLASH.fullmatch(raw):
        return not P.NOT_PHONE_CUE.search(text[max(0, start - 25) : start])
    if not 8 <= digits <= 12 or raw.count(".") > 3:
        return False
    if not re.search(r"\d[ .-]\d", raw) and not P.TRUNK_NATIONAL.fullmatch(raw):
        return False
    if re.match(r"(?:19|20)\d\d[ .-]", raw):
        return False  # a year, then a time or a count ("2026 16.00")
    if P.NOT_PHONE_CUE.search(text[max(0, start - 25) : start]):
        return False
    return _regions.valid_somewhere(re.sub(r"\D", "", raw))


def _with_trunk(text: str, start: int) -> int:
    """Where a phone starts once a "+" or "(" right before it and the trunk prefix before its
    bracketed area code are in."""
    if start and text[start - 1] in "+(":
        start -= 1
    if text.startswith("(", start) and (trunk := P.PHONE_TRUNK.search(text, 0, start)):
        return trunk.start()
    return start


def _ipv6(text: str) -> list[Cand]:
    out = []
    for m in P.IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(m[0])
        except ValueError:
            continue
        out.append((IP, m.start(), m.end()))
    return out


def _persons(text: str) -> list[Cand]:
    out: list[Cand] = []
    for m in P.TITLE_NAME.finditer(text):
        toks = list(re.finditer(P.NAME_TOKEN, m[1]))
        if not (toks[0][0][0].isupper() or _is_name(toks[0][0])):
            continue
        keep = toks[:1]
        for t in toks[1:]:
            if not (t[0][0].isupper() or _is_name(t[0])) or t[0].casefold() in P.STOP:
                break
            keep.append(t)
        out.append((PERSON, m.start(1), m.start(1) + keep[-1].end()))
    for rx in (P.CUE_NAME, P.SPEAKER, P.STRONG_CUE):
        for m in rx.finditer(text):
            words = m[1].split()
            if words[0].casefold() in P.STOP | P.LABEL_WORDS | P.COMMON:
                continue
            if len(words) == 1 and words[0].isupper() and len(words[0]) <= 4:
                continue  # an acronym ("export to CSV"), not a name
            if rx is P.SPEAKER and len(words) == 1 and _person.plain(words[0]):
                continue  # "Urgent: ...", "Reason: ...": a heading, not who speaks
            if rx is P.CUE_NAME and not (
                (_is_name(words[0]) and (len(words) > 1 or not _person.plain(words[0])))
                or _person.rare(words[0])
                or (len(words) > 1 and any(_person.surname(w) for w in words))
            ):
                continue
            out.append((PERSON, m.start(1), m.end(1)))
    out += _person.persons(text) + _person.signed(text)
    out = [_without_cue(text, c) for c in out if not _not_a_name(text, c)]
    return _person.spread(text, [c for c in out if c[1] < c[2]])


_DETERMINER = re.compile(r"(?i)\b(?:the|a|an|this|that|these|those|your|our|their)\s+$")
_NUMBER_BEFORE = re.compile(r"\d[ \t]*$")
_NUMBER_AFTER = re.compile(r"^,?[ \t]*\d")


def _not_a_name(text: str, cand: Cand) -> bool:
    """One word that a name rule took, but its neighbours say is no name: a product after
    "the" ("the Lumen desk lamp"), a unit or currency after a number ("79 Kč"), a weekday or
    month beside a date ("Thu, 20 Dec", "6 Jan"), an acronym label ("IBAN:")."""
    _, start, end = cand
    word = text[start:end]
    if not word.isalpha():
        return False
    before, after = text[max(0, start - 12) : start], text[end : end + 4]
    if _DETERMINER.search(before):
        return True
    if len(word) <= 3 and _NUMBER_BEFORE.search(before):
        return True
    if word.casefold() in P.DATE_WORDS and (
        _NUMBER_BEFORE.search(before) or _NUMBER_AFTER.search(after)
    ):
        return True
    return word.isupper() and len(word) > 1 and after.startswith(":")


@functools.lru_cache(maxsize=256)
def _known_patterns(known: KnownIdentifiers) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The customer's values as patterns, built once per customer record (the mirror masks
    every message of a customer with the same record)."""
    literal: list[tuple[str, str]] = [(EMAIL, e) for e in known.emails]
    literal += [(CUSTOMER_ID, i) for i in known.ids]
    for name in known.names:
        literal.append((PERSON, name))
        literal += [(PERSON, part) for part in re.split(r"[\s,]+", name) if len(part) >= 2]
    return tuple(
        (kind, re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.IGNORECASE))
        for kind, value in literal
        if value.strip()
    )


def _known(text: str, known: KnownIdentifiers) -> list[Cand]:
    out: list[Cand] = []
    for kind, rx in _known_patterns(known):
        out += _group_spans(rx, text, kind)
    wanted = {re.sub(r"\D", "", p)[-10:] for p in known.phones if sum(c.isdigit() for c in p) >= 7}
    if wanted:
        for m in re.finditer(r"\+?\d[\d\s().-]{5,}\d", text):
            if re.sub(r"\D", "", m[0])[-10:] in wanted:
                out.append((PHONE, m.start(), m.end()))
    return out


_SECRET_DETECTED = frozenset({SECRET, CARD, IBAN, NATIONAL_ID, SSN, DRIVER_LICENSE})


def _secrets(text: str, kinds: frozenset[str]) -> list[Cand]:
    """Cards, IBANs, national ids, licences and secrets, found in the normalised text."""
    norm = _normal.normalise(text)
    plain = norm.text
    found: list[tuple[str, int, int]] = []
    if SECRET in kinds:
        found += [(SECRET, a, b) for a, b in _secret.secrets(plain)]
    if CARD in kinds:
        urls = _url_spans(plain)
        found += [(CARD, a, b) for a, b in _payment.cards(plain) if not _in_url(urls, a, b)]
    if IBAN in kinds:
        found += [(IBAN, a, b) for a, b in _payment.ibans(plain)]
    if NATIONAL_ID in kinds:
        found += [(NATIONAL_ID, a, b) for a, b in _national.national_ids(plain)]
    if SSN in kinds:
        found += _group_spans(P.SSN, plain, SSN) + _group_spans(P.SSN_CUE, plain, SSN, 1)
    if DRIVER_LICENSE in kinds:
        dl = _group_spans(P.DL, plain, DRIVER_LICENSE, 1)
        found += [s for s in dl if _has_digit(plain, s)]
    return [(kind, *norm.span(a, b)) for kind, a, b in found if a < b]


def detect(text: str, known: KnownIdentifiers | None, kinds: frozenset[str]) -> list[Cand]:
    c: list[Cand] = []
    if EMAIL in kinds:
        c += _group_spans(P.EMAIL, text, EMAIL)
    if kinds & _SECRET_DETECTED:
        c += _secrets(text, kinds)
    if IP in kinds:
        c += _group_spans(P.IPV4, text, IP) + _ipv6(text)
    if PHONE in kinds:
        c += _phones(text)
    addrs = _address.addresses(text) if ADDRESS in kinds else []
    if ZIP in kinds:
        zips = _address.postcodes(text)
        if ADDRESS in kinds:  # a postcode inside an address is part of that address
            zips = [z for z in zips if not any(a[1] <= z[1] and z[2] <= a[2] for a in addrs)]
        c += zips
    c += addrs
    if PERSON in kinds:
        c += _persons(text)
    if kinds & _tagger.KIND_SET:
        c += [cand for cand in _tagger.tag(text) if cand[0] in kinds]
        c += [cand for cand in _fields.fields(text) if cand[0] in kinds]
    c = [cand for cand in c if not _money(text, cand)]
    if PERSON in kinds:
        c = [_without_cue(text, cand) if cand[0] == PERSON else cand for cand in c]
        c = [cand for cand in c if not (cand[0] == PERSON and _a_place(text, cand))]
    if known is not None:
        c += [s for s in _known(text, known) if s[0] in kinds or s[0] == CUSTOMER_ID]
    return c


def _money(text: str, cand: Cand) -> bool:
    """An address that starts with an amount of money ("CHF 79.00 to CHF 49"), or a
    currency taken for a name ("AUD")."""
    kind, start, end = cand
    if kind in (ADDRESS, WEAK_ADDRESS):
        return bool(P.AMOUNT.match(text, start, end))
    return kind == PERSON and text[start:end] in P.CURRENCIES


_IN_BEFORE = re.compile(r"(?<![^\W\d_])(?:in|nach|dans|en)[ \t]+$")
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_NUMBER_NEXT = re.compile(r"[ \t]*(?:[^\W\d_]+[ \t]+){0,2}\d")


def _a_place(text: str, cand: Cand) -> bool:
    """A capitalised word after "in" ("... g. 98 in Panevėžys") is a place, not a person;
    "in Maria's name" still holds one."""
    _, start, end = cand
    if _POSSESSIVE.match(text, end) or _NUMBER_NEXT.match(text, end):
        return False  # "in Maria's name", "in Λεωφόρος Συγγρού 119" (a street)
    return bool(_IN_BEFORE.search(text, max(0, start - 8), start))


_LAST_WORD = re.compile(r"\s*(\S+?)[.,:;]?$")


def _without_cue(text: str, cand: Cand) -> Cand:
    """A name without a secret's cue or a field's label after it: in "Mein Passwort: ..." and
    "Adresa: ..." the cue is no name."""
    kind, start, end = cand
    last = _LAST_WORD.search(text, start, end)
    if last is None:
        return cand
    label = _fields.is_key(last[1]) and text[last.end(1) : last.end(1) + 2].lstrip().startswith(":")
    if not (label or _secret.is_cue_word(last[1])):
        return cand
    rest = text[start : last.start()].split()
    if len(rest) == 1 and not _is_name(rest[0]):
        return kind, start, start  # "Mein Passwort": the word before the cue was no name
    return kind, start, last.start()


def _has_digit(text: str, cand: Cand) -> bool:
    return any(ch.isdigit() for ch in text[cand[1] : cand[2]])
