"""Secrets the secret rules were not written on: values from Faker, separators and sentences
written apart from the secret table (``tests/data/pii_secrets.json``), which the rules were tuned
on. Nothing is stored; the same Faker version and seed give the same texts.

Run: ``.venv/bin/python bench/pii_secrets_generated.py [--seed S] [--count N] [-v]``

* Values: card numbers of every card type Faker knows, IBANs of 20 countries, and the national
  ids Faker makes for 10 locales that python-stdnum confirms valid (a value that fails its own
  checksum is skipped: the filter is allowed to need the checksum), and passwords from Faker.
* Written as people type them: each value gets a random separator style (groups of 4 with
  spaces, no-break spaces, dots, dashes, slashes or none; lower case; full-width digits) and a
  random sentence frame of its kind in one of 8 languages (frames written for this bench).
* Scored as the mirror masks (``redact(text, kinds=SECRET_KINDS)``): a leak is the value, or its
  letters and digits without separators, still readable. The goal is 0.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.dk import cpr
from stdnum.es import nie, nif
from stdnum.fi import hetu
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.pl import pesel
from stdnum.se import personnummer

from bench import pii_generated
from bench.pii_secrets import compact, leaks
from helpdesk.pii import SECRET_KINDS, redact

DEFAULT_SEED, DEFAULT_COUNT = 4242, 600
IBAN_LOCALES = (
    "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "fi_FI", "no_NO", "pt_PT", "de_AT",
    "fr_CH", "cs_CZ", "ro_RO", "tr_TR", "pt_BR", "en_GB", "da_DK", "sv_SE", "nl_BE", "hu_HU",
)  # fmt: skip
# Locale -> (validator, the word a customer writes before it).
NATIONAL: dict[str, tuple[Callable[[str], bool], str]] = {
    "es_ES": (lambda v: nif.is_valid(v) or nie.is_valid(v), "DNI"),
    "fr_FR": (nir.is_valid, "numéro de sécurité sociale"),
    "it_IT": (codicefiscale.is_valid, "codice fiscale"),
    "nl_NL": (bsn.is_valid, "BSN"),
    "pl_PL": (pesel.is_valid, "PESEL"),
    "fi_FI": (hetu.is_valid, "henkilötunnus"),
    "sv_SE": (personnummer.is_valid, "personnummer"),
    "no_NO": (fodselsnummer.is_valid, "fødselsnummer"),
    "da_DK": (cpr.is_valid, "CPR-nummer"),
}
FRAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "card": {
        "en": ("Charge it to {v} please.", "card no. {v}, exp 09/29", "I paid with {v} twice"),
        "de": ("Bitte buchen Sie von {v} ab.", "Meine Karte: {v}"),
        "fr": ("Débitez la carte {v} svp.", "ma CB {v} a été débitée deux fois"),
        "es": ("Cobren a la tarjeta {v}, gracias.", "tarjeta {v}"),
        "it": ("Addebitate sulla carta {v}.",),
        "nl": ("Mijn kaartnummer is {v}.",),
        "pt": ("Cobrem no cartão {v}, obrigado.",),
        "sv": ("Mitt kortnummer: {v}",),
    },
    "iban": {
        "en": ("Refund to {v} please.", "my account {v} (IBAN)", "IBAN {v}"),
        "de": ("Bitte erstatten Sie auf {v}.", "Kontonummer/IBAN: {v}"),
        "fr": ("Remboursez sur le compte {v} merci.",),
        "es": ("Devuélvanlo a la cuenta {v}.",),
        "it": ("Rimborso sul conto {v} per favore.",),
        "nl": ("Graag terugstorten op {v}.",),
        "pt": ("Reembolsem para {v}.",),
        "sv": ("Återbetala till {v}, tack.",),
    },
    "national_id": {
        "en": ("my {cue} is {v}", "{cue}: {v}"),
        "de": ("Meine {cue} lautet {v}.",),
        "fr": ("Mon {cue} : {v}",),
        "es": ("Mi {cue} es el {v}.",),
        "it": ("Il mio {cue} è {v}.",),
        "nl": ("Mijn {cue} is {v}.",),
        "pt": ("O meu {cue} é {v}.",),
        "sv": ("Mitt {cue} är {v}.",),
    },
    "password": {
        "en": ("my password is {v}", "Password: {v}", "I set the password to {v} yesterday"),
        "de": ("Mein Passwort ist {v}", "Kennwort: {v}"),
        "fr": ("mon mot de passe est {v}", "mdp : {v}"),
        "es": ("mi contraseña es {v}", "Contraseña: {v}"),
        "it": ("la mia password è {v}",),
        "nl": ("mijn wachtwoord is {v}",),
        "pt": ("a minha senha é {v}",),
        "sv": ("mitt lösenord är {v}",),
    },
}
FULL_WIDTH = {ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}


def _styled(value: str, kind: str, rng: random.Random) -> str:
    """The value as someone might type it."""
    if kind == "password":
        return value
    plain = value.replace(" ", "")
    style = rng.randrange(7)
    if style == 6 and kind != "national_id":
        return plain.translate(FULL_WIDTH)
    if kind == "national_id" or style == 0:
        return value if rng.random() < 0.7 else plain
    sep = (" ", "\u00a0", ".", "-", "/", "")[style - 1] if style <= 5 else " "
    grouped = sep.join(plain[i : i + 4] for i in range(0, len(plain), 4))
    return grouped.lower() if kind == "iban" and rng.random() < 0.3 else grouped


def _values(rng: random.Random, seed: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    card = Faker("en_US")
    card.seed_instance(seed)
    for _ in range(60):
        number = card.credit_card_number()
        if luhn.is_valid(number) and len(number) >= 13:
            out.append(("card", number))
    for i, loc in enumerate(IBAN_LOCALES):
        fake = Faker(loc)
        fake.seed_instance(seed + i)
        for _ in range(4):
            value = fake.iban()
            if std_iban.is_valid(value):
                out.append(("iban", value))
    for i, (loc, (valid, _)) in enumerate(NATIONAL.items()):
        fake = Faker(loc)
        fake.seed_instance(seed + 100 + i)
        for _ in range(8):
            value = fake.ssn()
            if valid(value):
                out.append((f"national_id:{loc}", value))
    pw = Faker()
    pw.seed_instance(seed)
    out += [("password", pw.password(length=rng.randint(8, 16))) for _ in range(40)]
    return out


def generate(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    values = _values(rng, seed)
    rows = []
    for _ in range(count):
        kind, value = rng.choice(values)
        base, _, loc = kind.partition(":")
        lang = rng.choice(sorted(FRAMES[base]))
        styled = _styled(value, base, rng)
        cue = NATIONAL[loc][1] if loc else ""
        text = rng.choice(FRAMES[base][lang]).format(v=styled, cue=cue)
        rows.append({"kind": base, "lang": lang, "text": text, "secret": styled})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("-v", action="store_true", dest="verbose")
    args = parser.parse_args()
    rows = generate(args.count, args.seed)
    by_kind: Counter[str] = Counter()
    leaked: Counter[str] = Counter()
    for row in rows:
        masked = redact(row["text"], kinds=SECRET_KINDS).text
        by_kind[row["kind"]] += 1
        if leaks(row["secret"], masked):
            leaked[row["kind"]] += 1
            if args.verbose:
                print(f"  LEAK {row['lang']} {row['kind']}: {row['text']!r} -> {masked!r}")
    formats = len({(r["kind"], compact(r["secret"]) != r["secret"].lower()) for r in rows})
    print(f"generated secrets: {len(rows)} texts (seed {args.seed}), {formats} kind/style pairs")
    print(f"{'kind':12} {'texts':>6} {'leaked':>6}")
    for kind, n in sorted(by_kind.items()):
        print(f"{kind:12} {n:6} {leaked[kind]:6}")
    print(f"{'all':12} {len(rows):6} {sum(leaked.values()):6}")


if __name__ == "__main__":
    pii_generated.with_fixed_hash_seed()
    main()
