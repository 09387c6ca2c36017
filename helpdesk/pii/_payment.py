"""Card numbers (Luhn) and IBANs (ISO 13616), written with whatever separators people type.

Both read the normalised text (`_normal`): full-width digits and no-break spaces are already
plain. A card is a run of digit groups joined by spaces, dashes, dots or slashes; dots and
slashes only in a card's own layout (4-4-4-4, 4-6-5) or after a card word, so dates,
versions, prices and addresses stay. A longer run (a card beside its expiry or a date, a
tracking number) holds a card only in that layout and after a card word. An IBAN may be in
any case, its groups joined by spaces, dashes, dots or slashes."""

from __future__ import annotations

import re

from stdnum import iban as std_iban
from stdnum import luhn

# Digit groups joined by one separator each (a space, or a dot, dash or slash with a space
# either side or not); atomic, so a run is never cut short to fit.
_RUN = re.compile(r"(?<![\w+\-./])(?<!\d )(?>\d+(?:(?: ?[./-] ?| )\d+)*)(?![\w-])")
_TWELVE_DIGITS = re.compile(r"\d(?:\D*\d){11}")
_SEP = re.compile(r" ?[./-] ?| ")
CARD_CUE = re.compile(
    r"(?i)\b(?:card|cc|visa|master ?card|maestro|amex|karte|kreditkarte|carte|cb|tarjeta|"
    r"carta|kaart|creditcard|cart[aã]o|kort|karta|kartice)(?:nummer|number|numero|número)?\b\W{0,12}(?:\w+\W+){0,3}$"
)
# Numbers that pass the Luhn check without being cards: device and product numbers.
NOT_CARD_CUE = re.compile(r"(?i)\b(?:imei|ean|gtin|upc|isbn|sim|iccid|meid)\b\W{0,6}$")
_LAYOUTS = {
    (4, 4, 4, 4),
    (4, 6, 5),
    (4, 6, 4),
    (4, 4, 4, 1),
    (4, 4, 4, 2),
    (4, 4, 4, 3),
    (4, 4, 4, 4, 3),
    (4, 4, 4, 4, 2),
    (4, 4, 4, 4, 1),
}
_IBAN = re.compile(
    r"(?i)(?<![\w-])[A-Z]{2}\d{2}(?:[ ./-]?[A-Z0-9]{4}){2,7}(?:[ ./-]?[A-Z0-9]{1,3})?(?!\w)"
)


def _card_ok(digits: str) -> bool:
    return len(set(digits)) > 1 and luhn.is_valid(digits)


def _not_card(text: str, start: int) -> bool:
    return bool(NOT_CARD_CUE.search(text[max(0, start - 20) : start]))


def _cue(text: str, start: int) -> bool:
    return bool(CARD_CUE.search(text[max(0, start - 40) : start]))


def cards(text: str) -> list[tuple[int, int]]:
    """Spans of Luhn-valid card numbers in `text`."""
    out: list[tuple[int, int]] = []
    if not _TWELVE_DIGITS.search(text):
        return out
    for m in _RUN.finditer(text):
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", m[0])]
        total = sum(b - a for a, b in groups)
        if total < 12:
            continue
        seps = {s[0].strip() for s in _SEP.finditer(m[0])}
        layout = tuple(b - a for a, b in groups)
        if total <= 19:
            digits = re.sub(r"\D", "", m[0])
            if (
                seps - {"", "-"}
                and (layout not in _LAYOUTS or len(seps) > 1)
                and not (len(seps) == 1 and _cue(text, m.start()))
            ):
                continue  # dots or slashes out of a card's layout, and no card word before
            if (total == 12 and not _cue(text, m.start())) or _not_card(text, m.start()):
                continue
            if _card_ok(digits):
                out.append(m.span())
        elif len(groups) <= 8 and _cue(text, m.start()):
            out += _card_in_run(m, groups)
    return out


def _card_in_run(m: re.Match[str], groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A card in a longer run of digit groups (a date or an expiry beside it), by layout."""
    lengths = [b - a for a, b in groups]
    for i in range(len(groups)):
        for j in range(i + 2, min(len(groups), i + 5) + 1):
            if tuple(lengths[i:j]) not in _LAYOUTS:
                continue
            a, b = groups[i][0], groups[j - 1][1]
            digits = re.sub(r"\D", "", m[0][a:b])
            if _card_ok(digits):
                return [(m.start() + a, m.start() + b)]
    return []


_AS_DIGITS = str.maketrans({chr(65 + i): str(10 + i) for i in range(26)})


def _mod97(compact: str) -> bool:
    """ISO 7064 mod 97-10 alone: a quick test before python-stdnum's full check."""
    return int((compact[4:] + compact[:4]).translate(_AS_DIGITS)) % 97 == 1


def ibans(text: str) -> list[tuple[int, int]]:
    """Spans of IBANs whose ISO 13616 checksum holds, in any case and with any separators."""
    out: list[tuple[int, int]] = []
    for m in _IBAN.finditer(text):
        value = m[0]
        while len(value) >= 15:  # drop trailing groups until the checksum holds
            compact = re.sub(r"[ ./-]", "", value).upper()
            if _mod97(compact) and std_iban.is_valid(compact):
                out.append((m.start(), m.start() + len(value)))
                break
            cut = max(value.rfind(" "), value.rfind("-"), value.rfind("."), value.rfind("/"))
            value = value[:cut] if cut > 4 else value[:-1]
    return out
