"""Which countries' phone formats to read a text with, from what the text itself says.

``phonenumbers`` validates a national number ("07700 900 123", "(01) 234 5678") only against
one region's plan. Instead of one default region, a text is read with the regions it
suggests: country names in any of a dozen languages (the names ``phonenumbers`` ships in its
geocoding data), country-code top-level domains of the e-mail addresses and links in it,
and a handful of function words that give its language away. The US is always included,
first, as before.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA

MAX_REGIONS = 4
# Languages whose country names are looked for (Latin script, those of the product's users).
NAME_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "fi", "ca", "ga", "mt")
# A few words frequent in one language and rare in the others -> where it is spoken most.
LANGUAGE_HINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (("und", "nicht", "ich", "bitte", "meine", "ist", "mit"), ("DE", "AT", "CH")),
    "fr": (("je", "et", "mon", "ma", "est", "pas", "vous", "merci"), ("FR", "BE", "CH", "CA")),
    "es": (("y", "el", "mi", "por", "para", "gracias", "es", "está"), ("ES", "MX", "AR", "CO")),
    "it": (("il", "mio", "non", "per", "grazie", "sono", "della"), ("IT", "CH")),
    "nl": (("ik", "het", "een", "niet", "mijn", "bedankt", "graag"), ("NL", "BE")),
    "pt": (("o", "não", "meu", "minha", "obrigado", "obrigada", "com", "você"), ("PT", "BR")),
    "sv": (("och", "jag", "inte", "min", "tack", "är", "med"), ("SE", "FI")),
    "da": (("og", "jeg", "ikke", "min", "tak", "er", "med"), ("DK",)),
    "no": (("og", "jeg", "ikke", "min", "takk", "er", "med"), ("NO",)),
    "fi": (("ja", "on", "minun", "kiitos", "ei", "että"), ("FI",)),
    "pl": (("i", "nie", "jest", "mój", "moja", "dziękuję", "proszę"), ("PL",)),
    "cs": (("a", "je", "není", "můj", "děkuji", "prosím"), ("CZ", "SK")),
    "hu": (("és", "nem", "az", "köszönöm", "kérem", "vagyok"), ("HU",)),
    "ro": (("și", "nu", "este", "mulțumesc", "meu", "vă"), ("RO",)),
    "tr": (("ve", "bir", "değil", "teşekkürler", "benim", "lütfen"), ("TR",)),
    "en": (("the", "and", "my", "is", "please", "thanks", "you"), ("GB", "IE", "AU", "CA")),
}
WORD = re.compile(r"[^\W\d_]+")
TLD = re.compile(r"(?i)(?:@|https?://|www\.)[\w.-]+\.([a-z]{2})\b")
TLD_REGION = {"uk": "GB", "eu": ""}


@cache
def _country_names() -> dict[str, str]:
    by_name: dict[str, str] = {}
    for region, names in LOCALE_DATA.items():
        if not phonenumbers.country_code_for_region(region):
            continue
        for lang in NAME_LANGUAGES:
            name = names.get(lang, "")
            while name.startswith("*"):  # "*aa": the same as the name in that language
                name = names.get(name[1:], "")
            if len(name) >= 4:
                by_name[name.casefold()] = region
    return by_name


def _language_regions(words: list[str]) -> list[str]:
    if not words:
        return []
    scores = {lang: sum(w in hints for w in words) for lang, (hints, _) in LANGUAGE_HINTS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return list(LANGUAGE_HINTS[best][1]) if scores[best] >= 2 else []


def regions(text: str) -> tuple[str, ...]:
    """Regions to read ``text``'s phone numbers with: US first, then what the text suggests."""
    found = ["US"]
    by_name = _country_names()
    words = [w.casefold() for w in WORD.findall(text)]
    for size in (1, 2, 3):  # "Sverige", "New Zealand", "United Arab Emirates"
        for i in range(len(words) - size + 1):
            region = by_name.get(" ".join(words[i : i + size]))
            if region:
                found.append(region)
    for m in TLD.finditer(text):
        tld = m[1].lower()
        region = TLD_REGION.get(tld, tld.upper())
        if region and phonenumbers.country_code_for_region(region):
            found.append(region)
    found += _language_regions(words)
    return tuple(dict.fromkeys(found))[:MAX_REGIONS]


# Where a national number written without a country code is looked up when the text does
# not say where it comes from: the countries of Europe, the Americas and Oceania and a few more.
FALLBACK_REGIONS = (
    "US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "GB", "IE", "FR", "BE", "NL", "LU", "DE",
    "AT", "CH", "LI", "IT", "ES", "PT", "DK", "NO", "SE", "FI", "IS", "EE", "LV", "LT", "PL",
    "CZ", "SK", "HU", "SI", "HR", "BA", "RS", "RO", "BG", "GR", "CY", "MT", "TR", "UA", "AU",
    "NZ", "ZA", "IN", "SG", "MY", "PH", "ID",
)  # fmt: skip


@cache
def valid_somewhere(national: str) -> bool:
    """Is ``national`` (digits only, with its trunk prefix) a valid number of some country?"""
    for region in FALLBACK_REGIONS:
        try:
            number = phonenumbers.parse(national, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False
