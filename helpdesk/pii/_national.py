"""National identity numbers of several countries, by format, checksum (python-stdnum) and cue.

* Strong formats, masked alone when their checksum holds: Spanish DNI (``12345678Z``) and NIE,
  Italian codice fiscale, Portuguese Cartão de Cidadão, Finnish HETU, Swiss AHV (``756.``),
  and UK National Insurance numbers (no checksum; capitals in the HMRC letter rules).
* Numbers of digits alone (German Steuer-ID, French NIR, Dutch BSN, Polish PESEL, Danish CPR,
  Swedish personnummer, Norwegian fødselsnummer, Austrian and German social insurance,
  Spanish NSS, Portuguese NIF and NISS, Belgian national number) are everyday numbers too:
  they are masked after a cue word of their own kind nearby ("Steuer-ID", "BSN", "numéro de
  sécurité sociale", ...), or after a general one ("Personalausweis", "identity number")
  when the checksum holds as well. The French NIR in its printed layout (``1 84 12 76 451
  089 46``) and the Belgian number with its dots are masked alone when the checksum holds.

All of it reads the normalised text (`_normal`). US social security numbers are ``US_SSN``,
found in `_detect`.
"""

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


DIGIT_IDS = (
    Digits((11,), idnr.is_valid, _STEUER_ID),
    Digits((15,), nir.is_valid, _NIR, re.compile(r"\d \d{2} \d{2} \d{2} \d{3} \d{3} \d{2}")),
    Digits((9,), bsn.is_valid, _BSN),
    Digits((11,), pesel.is_valid, _cue(r"pesel|numer pesel")),
    Digits((10,), cpr.is_valid, _CPR),
    Digits((10, 12), personnummer.is_valid, _PERSONNUMMER),
    Digits((11,), fodselsnummer.is_valid, _FODSELSNUMMER),
    Digits((10,), vnr.is_valid, _AT_SV),
    Digits((12,), _any, _ES_NSS),
    Digits((9,), pt_nif.is_valid, _PT_NIF),
    Digits((11,), _any, _PT_NISS),
    Digits((11,), nn.is_valid, _BE_NN, re.compile(r"\d{2}\.\d{2}\.\d{2}[-.]\d{3}\.\d{2}")),
    Digits((13,), ahv.is_valid, _AHV, re.compile(r"756\.\d{4}\.\d{4}\.\d{2}")),
)

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
    # German social insurance number: area, birth date, initial, serial (no checksum here).
    Lettered(re.compile(r"(?i)(?<!\w)\d{2} ?\d{6} ?[A-Z] ?\d{3}(?!\w)"), _any, _DE_SV),
)


def _near(cue: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """A cue in the 60 characters before the number, or the 30 after it."""
    return bool(cue.search(text, max(0, start - 60), start) or cue.search(text, end, end + 30))


def national_ids(text: str) -> list[Span]:
    """Spans of national identity numbers in the normalised `text`."""
    out: list[Span] = []
    for lettered in LETTERED_IDS:
        for m in lettered.shape.finditer(text):
            value = re.sub(r"[\s-]", "", m[0]).upper()
            if lettered.cue is not None and not _near(lettered.cue, text, *m.span()):
                continue
            if lettered.valid(value):
                out.append(m.span())
    if sum(c.isdigit() for c in text) < 9:
        return out
    for m in _RUN.finditer(text):
        digits = re.sub(r"\D", "", m[0])
        if _digit_id(text, m, digits):
            out.append(m.span())
    return out


def _digit_id(text: str, m: re.Match[str], digits: str) -> bool:
    general: bool | None = None
    for kind in DIGIT_IDS:
        if len(digits) not in kind.lengths:
            continue
        if _near(kind.cue, text, *m.span()):
            return True
        if kind.alone is not None and kind.alone.fullmatch(m[0]) and kind.valid(digits):
            return True
        if general is None:
            general = _near(GENERAL_CUE, text, *m.span())
        if general and kind.valid(digits):
            return True
    return False
