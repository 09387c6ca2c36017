"""National identity numbers of several countries, by format, checksum (python-stdnum) and cue.

* Formats with letters, masked alone when their checksum holds: Spanish DNI (``12345678Z``)
  and NIE, Italian codice fiscale, Portuguese Cartão de Cidadão, Finnish HETU; and UK National
  Insurance numbers in capitals (no checksum, the HMRC letter rules). The German social
  insurance number (``65 170839 J 003``), a Corsican French NIR and a NINO in small letters
  need their cue word as well.
* Numbers of digits alone (German Steuer-ID, French NIR, Dutch BSN, Polish PESEL, Danish CPR,
  Swedish personnummer, Norwegian fødselsnummer, Austrian social insurance, Spanish NSS,
  Portuguese NIF and NISS, Belgian national number, Swiss AHV) are everyday numbers too: they
  are masked after a cue word of their own kind nearby ("Steuer-ID", "BSN", "numéro de
  sécurité sociale", ...), checksum or not (a mistyped id is still someone's id), unless a
  word naming another number (a phone, an order) comes between; or after a general cue
  ("Personalausweis", "identity number") when the checksum holds. The French NIR in its
  printed layout (``1 84 12 76 451 089 46``), the Belgian number with its dots and the Swiss
  ``756.1234.5678.97`` are masked alone when the checksum holds.

All of it reads the normalised text (`_normal`). US social security numbers are ``US_SSN``,
found in `_detect`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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

Span = tuple[int, int]


def _cue(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?i)(?<!\w)(?:{words})(?!\w)")


# A cue word of no particular country: a number after it is an id only when a checksum holds.
GENERAL_CUE = _cue(
    r"national (?:id|identity|identification)(?: number| no\.?)?|identity (?:number|card)|"
    r"id card|personal (?:id|identification)(?: number)?|personal number|"
    r"(?:personal)?ausweis(?:nummer|-?nr\.?)?|identifikationsnummer|"
    r"carte d'identit[ée]|num[ée]ro d'identit[ée]|num[ée]ro d'identification|"
    r"documento (?:nacional )?de identidad|n[úu]mero de identi(?:dad|ficaci[óo]n)|"
    r"carta d'identit[àa]|numero di identificazione|identiteitsbewijs|identiteitskaart|"
    r"identiteitsnummer|n[úu]mero de identifica[çc][ãa]o|bilhete de identidade|"
    r"numer (?:dowodu|identyfikacyjny)|dow[óo]d osobisty"
)


@dataclass(frozen=True)
class Digits:
    """A number of digits alone: its length, checksum and cue words."""

    lengths: tuple[int, ...]
    valid: Callable[[str], bool]
    cue: re.Pattern[str]
    alone: re.Pattern[str] | None = None  # a layout that is masked without a cue


_STEUER_ID = _cue(
    r"steuer-?id(?:-?nr\.?)?|steuer-?identifikationsnummer|steueridentifikationsnummer|"
    r"(?:steuerliche )?identifikationsnummer|idnr\.?|steuer-?idnr\.?|steuerliche id|"
    r"tax id(?:entification number)?"
)
_NIR = _cue(
    r"nir|n[°o]\.? ?(?:de )?s[ée]cu(?:rit[ée] sociale)?|num[ée]ro (?:de )?s[ée]cu(?:rit[ée]"
    r" sociale)?|s[ée]curit[ée] sociale|s[ée]cu|insee|carte vitale|social security"
)
_BSN = _cue(r"bsn|burgerservicenummer|burger service nummer|sofi-?nummer|citizen service number")
_CPR = _cue(r"cpr(?:-?(?:nr\.?|nummer|number))?|personnummer|personnr\.?")
_PERSONNUMMER = _cue(r"personnummer|personnr\.?|person-?nummer")
_FODSELSNUMMER = _cue(r"f[øo]dselsnummer|personnummer")
_AT_SV = _cue(r"versicherungsnummer|sozialversicherungsnummer|sv-?nummer|svnr|vsnr|e-?card")
_ES_NSS = _cue(
    r"n[úu]mero de (?:la )?seguridad social|nss|n[úu]mero de afiliaci[óo]n|seguridad social|"
    r"social security"
)
_PT_NIF = _cue(
    r"nif|n[úu]mero (?:de identifica[çc][ãa]o )?fiscal|contribuinte|n[úu]mero de contribuinte"
)
_PT_NISS = _cue(r"niss|seguran[çc]a social")
_BE_NN = _cue(
    r"rijksregisternummer|rijksregister|insz|niss|num[ée]ro national|registre national|"
    r"national number"
)
_AHV = _cue(r"ahv|avs|sozialversicherungsnummer")


def _any(_: str) -> bool:
    """No checksum to check (the cue alone decides)."""
    return True


def _es_nss(digits: str) -> bool:
    """Spanish social security number: province, number, and the two digits of mod 97."""
    province, number, check = int(digits[:2]), int(digits[2:10]), int(digits[10:])
    base = number + province * 10**7 if number < 10**7 else int(digits[:10])
    return base % 97 == check


_SV_WEIGHTS = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)


def _de_sv(value: str) -> bool:
    """German social insurance number: area, birth date, initial, serial, check digit."""
    v = re.sub(r"\s", "", value).upper()
    digits = v[:8] + f"{ord(v[8]) - 64:02d}" + v[9:11]
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, _SV_WEIGHTS, strict=True))
    return total % 10 == int(v[11])


DIGIT_IDS = (
    Digits((11,), idnr.is_valid, _STEUER_ID),
    Digits((15,), nir.is_valid, _NIR, re.compile(r"\d \d{2} \d{2} \d{2} \d{3} \d{3} \d{2}")),
    Digits((9,), bsn.is_valid, _BSN),
    Digits((11,), pesel.is_valid, _cue(r"pesel|numer pesel")),
    Digits((10,), cpr.is_valid, _CPR),
    Digits((10, 12), personnummer.is_valid, _PERSONNUMMER),
    Digits((11,), fodselsnummer.is_valid, _FODSELSNUMMER),
    Digits((10,), vnr.is_valid, _AT_SV),
    Digits((12,), _es_nss, _ES_NSS),
    Digits((9,), pt_nif.is_valid, _PT_NIF),
    Digits((11,), _any, _PT_NISS),
    Digits((11,), nn.is_valid, _BE_NN, re.compile(r"\d{2}\.\d{2}\.\d{2}[-.]\d{3}\.\d{2}")),
    Digits((13,), ahv.is_valid, _AHV, re.compile(r"756\.\d{4}\.\d{4}\.\d{2}")),
)

_SIX_DIGITS = re.compile(r"\d(?:\D*\d){5}")
_NINE_DIGITS = re.compile(r"\d(?:\D*\d){8}")
# Digit groups joined by one separator each; atomic, so a run is never cut short to fit.
_RUN = re.compile(r"(?<![\w+\-./])(?<!\d )(?>\d+(?:(?: ?[./-] ?| )\d+)*)(?![\w-])")


@dataclass(frozen=True)
class Lettered:
    """A format with letters in it: masked alone when it holds, or only after its cue."""

    shape: re.Pattern[str]
    valid: Callable[[str], bool]
    cue: re.Pattern[str] | None = None  # None: masked alone


_NINO_CUE = _cue(r"national insurance(?: number| no\.?)?|ni (?:number|no\.?)|nino|nin")
_NINO = (
    r"(?<!\w)(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2}"
    r" ?[A-D](?!\w)"
)
_OMO = r"[\dLMNPQRSTUV]"  # a digit of a codice fiscale, or its letter when two people collide


def _has_digit(value: str) -> bool:
    return any(c.isdigit() for c in value)


_DE_SV = _cue(
    r"sozialversicherungsnummer|sv-?nummer|rentenversicherungsnummer|rv-?nummer|"
    r"versicherungsnummer"
)
_CODICE_FISCALE = re.compile(
    rf"(?i)(?<!\w)[A-Z]{{6}}{_OMO}{{2}}[A-EHLMPR-T]{_OMO}{{2}}[A-Z]{_OMO}{{3}}[A-Z](?!\w)"
)
LETTERED_IDS = (
    Lettered(
        re.compile(r"(?i)(?<![\w.-])\d{2}\.?\d{3}\.?\d{3} ?-?[A-Z](?!\w)"),
        lambda v: dni.is_valid(v.replace(".", "")),
    ),
    Lettered(re.compile(r"(?i)(?<![\w-])[XYZ] ?-?\d{7} ?-?[A-Z](?!\w)"), nie.is_valid),
    Lettered(_CODICE_FISCALE, lambda v: _has_digit(v) and codicefiscale.is_valid(v)),
    Lettered(re.compile(r"(?i)(?<!\w)\d{8} ?\d ?[A-Z]{2}\d(?!\w)"), cc.is_valid),
    Lettered(re.compile(r"(?i)(?<!\w)\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?!\w)"), hetu.is_valid),
    Lettered(re.compile(_NINO), _any),
    Lettered(re.compile(rf"(?i){_NINO}"), _any, _NINO_CUE),
    Lettered(
        re.compile(r"(?i)(?<!\w)[1-478] ?\d{2} ?\d{2} ?2[AB] ?\d{3} ?\d{3} ?\d{2}(?!\w)"),
        nir.is_valid,
        _NIR,
    ),
    Lettered(re.compile(r"(?i)(?<!\w)\d{2} ?\d{6} ?[A-Z] ?\d{3}(?!\w)"), _de_sv, _DE_SV),
)


# Between a cue and a number, a word that names another number: the cue is not about it.
_OTHER = re.compile(
    r"(?i)(?<!\w)(?:tel(?:\.|ef)|t[eé]l[eé]ph|phone|call|mobile|ruf|anruf|handy|appel|llam|chiam|"
    r"bel(?:len|t|\b)|lig(?:a|ue|uem|ar)\b|order|"
    r"bestell|commande|pedido|ordine|encomenda|rechnung|invoice|factur|fattur|fatur|kunden|"
    r"customer|client|klant|tracking|sendung|suivi|seguimiento|spedizion|rastreio|iban|konto|"
    r"account|compte|cuenta|conto|rekening|conta)"
)


def _near(cue: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """A cue in the 60 characters before the number, or the 30 after it, with no word
    naming another kind of number (a phone, an order) between them."""
    before = [c.end() for c in cue.finditer(text, max(0, start - 60), start)]
    if before and not _OTHER.search(text, before[-1], start):
        return True
    after = cue.search(text, end, end + 30)
    return after is not None and not _OTHER.search(text, end, after.start())


def national_ids(text: str) -> list[Span]:
    """Spans of national identity numbers in the normalised `text`."""
    out: list[Span] = []
    if not _SIX_DIGITS.search(text):  # every format has at least six
        return out
    for lettered in LETTERED_IDS:
        for m in lettered.shape.finditer(text):
            if lettered.cue is not None and not _near(lettered.cue, text, *m.span()):
                continue
            if lettered.valid(m[0].upper()):
                out.append(m.span())
    if not _NINE_DIGITS.search(text):
        return out
    for m in _RUN.finditer(text):
        if _digit_id(text, *m.span()):
            out.append(m.span())
            continue
        # Two numbers in one run ("NIR : 2951… / 2 95 10 …"): each part on its own.
        start = m.start()
        for gap in _SPACED_SEPARATOR.finditer(m[0]):
            if _digit_id(text, start, m.start() + gap.start()):
                out.append((start, m.start() + gap.start()))
            start = m.start() + gap.end()
        if start > m.start() and _digit_id(text, start, m.end()):
            out.append((start, m.end()))
    return out


# A separator with a space beside it: between two numbers rather than inside one.
_SPACED_SEPARATOR = re.compile(r" [./-] ?|[./-] ")


def _digit_id(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    digits = re.sub(r"\D", "", value)
    general: bool | None = None
    for kind in DIGIT_IDS:
        if len(digits) not in kind.lengths:
            continue
        if _near(kind.cue, text, start, end):
            return True
        if kind.alone is not None and kind.alone.fullmatch(value) and kind.valid(digits):
            return True
        if general is None:
            general = _near(GENERAL_CUE, text, start, end)
        if general and kind.valid(digits):
            return True
    return False
