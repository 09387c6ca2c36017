"""Values in labelled fields: forms, JSON, ``key=value`` pairs and tables with a header row.

Integrations and web forms post text such as ``"street": "Ilica 45"``, ``zip=10000`` or a
pasted table (``Name;Street;ZIP`` and its rows). The label says what the value is, in any
language the key lists below know, so no grammar of names or addresses is needed: a street
name the rules never saw is masked because it stands under "street". Each value still has to
look like its kind (a phone or postcode holds a digit, a name is a few words and no sentence),
so "phone: not working" stays.
"""

from __future__ import annotations

import re

from ._base import ADDRESS, PERSON, PHONE, ZIP

Cand = tuple[str, int, int]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _keys(kind: str, text: str) -> dict[str, str]:
    return dict.fromkeys(text.split(), kind)


# Keys folded to letters only ("Postal code" -> "postalcode", "first_name" -> "firstname").
KEYS = {
    **_keys(
        PERSON,
        """name fullname firstname lastname surname givenname familyname customername
        contactname recipient addressee nombre apellido apellidos nom prenom
        prénom vorname nachname empfänger empfaenger destinataire destinatario nome cognome
        naam voornaam achternaam imie imię nazwisko jmeno jméno prijmeni příjmení nimi
        etunimi sukunimi navn fornavn etternavn efternavn namn förnamn efternamn efternamn név
        vezetéknév keresztnév ime prezime""",
    ),
    **_keys(
        ADDRESS,
        """street streetaddress address address1 address2 addressline addressline1
        addressline2 addr shippingaddress billingaddress deliveryaddress strasse straße
        anschrift adresse lieferadresse rechnungsadresse rue calle direccion dirección
        domicilio via indirizzo straat adres ulica ulice utca cím cim endereco endereço morada
        adresa adresă adresi osoite katuosoite gatuadress gateadresse adressat""",
    ),
    **_keys(
        ZIP,
        """zip zipcode postcode postalcode plz postleitzahl cp codepostal codigopostal
        códigopostal cap cep postnummer postinumero psc psč irsz irányítószám
        irányitószám kodpocztowy postnr postnumber pc""",
    ),
    **_keys(
        PHONE,
        """phone phonenumber tel telephone telefon telefono teléfono téléphone telefone
        telefoon mobile mobil mobilephone cell cellphone handy gsm puhelin puh fax
        telefonnummer whatsapp""",
    ),
}


# Labels of a field that holds more than one kind ("Kontakt: Jan Novák, tel. ..."): no name.
OTHER_LABELS = _words("contact kontakt kontaktdaten coordonnées contacto contatto contactgegevens")


def _fold(key: str) -> str:
    return re.sub(r"[\W\d_]", "", key.casefold())


def kind_of(label: str) -> str | None:
    """The kind a label names: the whole label ("Postal code") or its last word ("Teslimat
    adresi", "Your new address")."""
    words = label.split()
    if not words or len(words) > 3:
        return None
    return KEYS.get(_fold(label)) or KEYS.get(_fold(words[-1]))


def is_key(word: str) -> bool:
    """Whether `word` is a field label ("Adresa", "Telefon", "Kontakt"): no name."""
    return _fold(word) in KEYS or word.casefold() in OTHER_LABELS


# "key": "value" (JSON), key: value / key = value (forms, one per line or after ; & ,).
_QUOTED = re.compile(r"""["'](?P<key>[^"'\n]{1,30})["']\s*:\s*["'](?P<value>[^"'\n]{1,120})["']""")
_PAIR = re.compile(
    r"(?:^|(?<=[\n;&,{])|(?<=[;&,] ))[ \t]*(?P<key>[^\W\d][\w .-]{0,28}?)[ \t]*[:=][ \t]*"
    r"(?P<value>[^\n;&\"'{}]{1,120}?)[ \t]*(?=$|\n|[;&]|,[ \t]*[^\W\d][\w .-]{0,28}[ \t]*[:=])",
    re.MULTILINE,
)
_ORDINARY_FIRST = _words(
    "the a an not no none n/a same see below above as is was will please unknown"
)


_PARTICLES = _words("van von der den de da del della di du la le y e bin al")


def _plausible(kind: str, value: str, cased: bool) -> bool:
    words = value.split()
    if not words or words[0].casefold() in _ORDINARY_FIRST:
        return False
    if kind in (PHONE, ZIP):
        return sum(c.isdigit() for c in value) >= (6 if kind == PHONE else 3)
    if kind == PERSON:  # a few words, capitalised where the text has capitals
        return len(words) <= 5 and all(
            w[0].isalpha() and (not cased or w[0].isupper() or w in _PARTICLES) for w in words
        )
    return any(c.isalpha() for c in value) and len(words) <= 12


def fields(text: str) -> list[Cand]:
    """Spans of values in labelled fields and tables whose label names personal data."""
    if ":" not in text and "=" not in text and "\n" not in text:
        return []
    cased = any(c.isupper() for c in text) and any(c.islower() for c in text)
    out: list[Cand] = []
    for rx in (_QUOTED, _PAIR):
        for m in rx.finditer(text):
            kind = kind_of(m["key"])
            value = m["value"].strip()
            if kind and _plausible(kind, value, cased):
                start = m.start("value") + m["value"].index(value)
                out.append((kind, start, start + len(value)))
    return out + _table(text, cased)


_SEPARATORS = (";", "\t", "|", ",")


def _table(text: str, cased: bool) -> list[Cand]:
    """Cells under a header row that names personal data ("Name;Street;ZIP;City")."""
    if "\n" not in text:
        return []
    out: list[Cand] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        header = _header(lines[i])
        if header is None:
            i += 1
            continue
        sep, kinds = header
        i += 1
        while i < len(lines) and lines[i].count(sep) == len(kinds) - 1 and lines[i].strip():
            pos = offsets[i]
            for kind, cell in zip(kinds, lines[i].split(sep), strict=True):
                value = cell.strip(" \t\"'")
                if kind and value and _plausible(kind, value, cased):
                    start = pos + cell.index(value)
                    out.append((kind, start, start + len(value)))
                pos += len(cell) + 1
            i += 1
    return out


def _header(line: str) -> tuple[str, list[str | None]] | None:
    for sep in _SEPARATORS:
        cells = line.split(sep)
        if len(cells) < 2:
            continue
        kinds = [KEYS.get(_fold(cell.strip(" \t\"'"))) for cell in cells]
        if sum(k is not None for k in kinds) >= 2 or (len(cells) >= 3 and any(kinds)):
            return sep, kinds
    return None
