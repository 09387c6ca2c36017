"""Training text for the PII filter's sequence tagger, and the trainer that builds its model.

The tagger (``helpdesk/pii/_tagger.py``) learns names, street addresses, postcodes and phone
numbers from text generated here with Faker in ten *training* locales (en_US, en_GB, de_DE,
fr_FR, es_ES, it_IT, nl_NL, da_DK, hu_HU, pl_PL), in support-message layouts written for it:
sentences, signature blocks, forms, quoted replies, lower-case chat. About a third of the
texts hold no personal data at all (products, places, companies, dates, order numbers), so the
model also learns what to leave alone. ``bench/pii_generated.py`` is the independent held-out
set: other locales, other layouts, another author.

Records have the presidio synth shape (``full_text``, ``spans`` with ``entity_type``,
``start_position``, ``end_position``), so the presidio development records can be added to
the training data as they are (``bench/pii.py --folds`` trains on k-1 folds of them).

Run: ``.venv/bin/python bench/pii_training.py [--texts N] [--seed S]`` writes
``helpdesk/pii/data/tagger.crfsuite`` (Faker text plus every presidio development record).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker import Faker

from bench import pii_generated
from helpdesk.pii import _tagger

TRAINING_LOCALES = (
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "da_DK", "hu_HU", "pl_PL",
)  # fmt: skip
DEFAULT_TEXTS, DEFAULT_SEED = 12_000, 7
MODEL = Path(__file__).resolve().parents[1] / "helpdesk" / "pii" / "data" / "tagger.crfsuite"

Record = dict[str, object]
Part = tuple[str, str | None]  # text, entity type (None: not personal data)


class Builder:
    """Joins parts into one text and records the gold spans of the typed ones."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict[str, object]] = []

    def add(self, value: str, kind: str | None = None) -> None:
        if kind and value.strip():
            start = len(self.text) + (len(value) - len(value.lstrip()))
            end = len(self.text) + len(value.rstrip())
            self.spans.append({"entity_type": kind, "start_position": start, "end_position": end})
        self.text += value

    def record(self, layout: str) -> Record:
        return {"full_text": self.text, "spans": self.spans, "template_id": layout}


PER, ADDR, ZIP, PHONE, EMAIL = (
    "PERSON",
    "STREET_ADDRESS",
    "ZIP_CODE",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
)

# Sentence frames per language: {name} {addr} {street} {zip} {phone} {city} {company} {order}
FRAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Hi, this is {name}. My order {order} never arrived at {street}.",
        "Please send the replacement to {addr}.",
        "I moved last month, my new address is {street}, {zip} {city}.",
        "You can reach me on {phone} after 5pm.",
        "My husband {name} placed the order, can you check with him?",
        "I spoke to {name} yesterday and she said it would be fixed.",
        "The parcel was left with my neighbour at {street}.",
        "Could {name} call me back on {phone}?",
        "Postcode is {zip}, I already checked it twice.",
        "Billing address: {street}, {city} {zip}",
        "Thanks {name}, that worked!",
        "Dear {name}, thank you for contacting us.",
        "Ask for {name} at the front desk of {company}.",
        "{name} here again, still waiting on a refund.",
        "my name is {name} and i live at {street}",
    ),
    "de": (
        "Hallo, hier ist {name}. Meine Bestellung {order} ist nicht angekommen.",
        "Bitte schicken Sie den Ersatz an {addr}.",
        "Meine neue Adresse lautet {street}, {zip} {city}.",
        "Sie erreichen mich unter {phone}.",
        "Mein Mann {name} hat bestellt.",
        "Mit freundlichen Grüßen\n{name}",
        "Ich wohne in der {street} in {city}.",
    ),
    "fr": (
        "Bonjour, je suis {name}, ma commande {order} n'est jamais arrivée.",
        "Merci d'envoyer le colis au {addr}.",
        "Ma nouvelle adresse : {street}, {zip} {city}.",
        "Vous pouvez me joindre au {phone}.",
        "Cordialement,\n{name}",
        "J'ai parlé avec {name} hier au téléphone.",
    ),
    "es": (
        "Hola, soy {name} y mi pedido {order} no ha llegado.",
        "Por favor envíen el paquete a {addr}.",
        "Mi nueva dirección es {street}, {zip} {city}.",
        "Me pueden llamar al {phone}.",
        "Saludos,\n{name}",
    ),
    "it": (
        "Buongiorno, sono {name}, l'ordine {order} non è arrivato.",
        "Spedite il pacco a {addr}, grazie.",
        "Il mio nuovo indirizzo è {street}, {zip} {city}.",
        "Potete chiamarmi al {phone}.",
        "Cordiali saluti,\n{name}",
    ),
    "nl": (
        "Hoi, met {name}. Mijn bestelling {order} is niet aangekomen.",
        "Stuur het pakket naar {addr}.",
        "Mijn nieuwe adres is {street}, {zip} {city}.",
        "Bel me op {phone}.",
        "Met vriendelijke groet,\n{name}",
    ),
    "da": (
        "Hej, det er {name}. Min ordre {order} er ikke kommet.",
        "Send pakken til {addr}.",
        "Min nye adresse er {street}, {zip} {city}.",
        "Ring til mig på {phone}.",
        "Venlig hilsen\n{name}",
    ),
    "hu": (
        "Jó napot, {name} vagyok, a {order} rendelésem nem érkezett meg.",
        "Kérem, küldjék a csomagot erre a címre: {addr}.",
        "Az új címem {zip} {city}, {street}.",
        "Hívjanak a {phone} számon.",
        "Üdvözlettel:\n{name}",
    ),
    "pl": (
        "Dzień dobry, nazywam się {name}, zamówienie {order} nie dotarło.",
        "Proszę wysłać paczkę na adres {addr}.",
        "Mój nowy adres to {street}, {zip} {city}.",
        "Proszę dzwonić pod numer {phone}.",
        "Pozdrawiam,\n{name}",
    ),
}
LANG = {loc: loc.split("_")[0] for loc in TRAINING_LOCALES}

CLOSINGS: dict[str, tuple[str, ...]] = {
    "en": ("Thanks,", "Best regards,", "Cheers,", "Regards,", "--", "Kind regards", "Many thanks"),
    "de": ("Mit freundlichen Grüßen", "Viele Grüße", "Liebe Grüße", "Beste Grüße", "Danke!"),
    "fr": ("Cordialement,", "Bien à vous,", "Merci,", "Bonne journée,"),
    "es": ("Saludos,", "Un saludo,", "Muchas gracias,", "Atentamente,"),
    "it": ("Cordiali saluti,", "Grazie,", "Distinti saluti,", "Saluti,"),
    "nl": ("Met vriendelijke groet,", "Groeten,", "Mvg,", "Bedankt,"),
    "da": ("Venlig hilsen", "Mvh", "Hilsen", "Tak,"),
    "hu": ("Üdvözlettel:", "Köszönöm,", "Üdv,"),
    "pl": ("Pozdrawiam,", "Z poważaniem,", "Dziękuję,"),
}
HEADERS: dict[str, tuple[str, str, str, str]] = {
    "en": ("From", "Sent", "To", "Subject"),
    "de": ("Von", "Gesendet", "An", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Objet"),
    "es": ("De", "Enviado", "Para", "Asunto"),
    "it": ("Da", "Inviato", "A", "Oggetto"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp"),
    "da": ("Fra", "Sendt", "Til", "Emne"),
    "hu": ("Feladó", "Elküldve", "Címzett", "Tárgy"),
    "pl": ("Od", "Wysłano", "Do", "Temat"),
}
# Text without personal data in the training languages (orders, products, dates, places).
CLEAN_LOCAL: dict[str, tuple[str, ...]] = {
    "de": (
        "Meine Bestellung {order} ist seit {n} Tagen unterwegs.",
        "Der {product} lädt nicht mehr, seit dem Update auf {version}.",
        "Ist der {product} auch in {city} erhältlich?",
        "Die Rechnung vom {date} zeigt {price} statt {price2}.",
    ),
    "fr": (
        "Ma commande {order} n'est toujours pas arrivée après {n} jours.",
        "Le {product} ne charge plus depuis la mise à jour {version}.",
        "La facture du {date} indique {price} au lieu de {price2}.",
    ),
    "es": (
        "Mi pedido {order} lleva {n} días en camino.",
        "El {product} no carga desde la actualización {version}.",
        "¿Tienen el {product} en la tienda de {city}?",
    ),
    "it": (
        "L'ordine {order} è in viaggio da {n} giorni.",
        "Il {product} non si accende dopo l'aggiornamento {version}.",
    ),
    "nl": (
        "Mijn bestelling {order} is al {n} dagen onderweg.",
        "De {product} laadt niet meer sinds update {version}.",
    ),
    "da": ("Min ordre {order} har været undervejs i {n} dage.", "Min {product} virker ikke."),
    "hu": ("A {order} rendelésem {n} napja úton van.", "A {product} nem működik."),
    "pl": ("Zamówienie {order} jest w drodze od {n} dni.", "Mój {product} nie działa."),
}
SYLLABLES = ("lu", "men", "ve", "la", "au", "ra", "ju", "no", "ko", "ri", "zen", "tal", "mi", "on")

# Text with no personal data: frames filled with products, places, companies and numbers.
CLEAN: tuple[str, ...] = (
    "My {product} stopped charging after the update to version {version}.",
    "Order {order} was charged twice on {date}, please refund one of them.",
    "Is the {product} available in {city} stores?",
    "The app crashes when I open Settings on my {product}.",
    "I was told by {company} support that the warranty covers this.",
    "Can I upgrade from the Basic plan to Premium before {date}?",
    "Tracking number {order} shows Delivered but nothing came.",
    "We are a team of {n} at {company} and need more seats.",
    "The invoice for {date} shows {price} instead of {price2}.",
    "Thanks for the quick help, the {product} works now!",
    "Your store in {city} was closed on Monday.",
    "Please cancel my subscription at the end of the month.",
    "Still waiting for a reply about ticket {order}.",
    "Hello Support Team, the Wi-Fi keeps dropping every {n} minutes.",
    "I ordered the {product} in Black but received Silver.",
    "Customer Service promised a call back on Friday.",
    "The {company} delivery driver left it at the wrong door.",
    "Best regards,\nThe {company} Team",
    "Where can I download the manual for the {product}?",
    "The error code is E-{n}, shown right after the {product} boots.",
    "It's {city} time here, so please answer before 6pm.",
    "Is there a student discount for {product} in {country}?",
    "I love the new design, but the Dark Mode toggle is missing.",
    "Warm regards from {city}!",
    "hey my {product} keeps freezing, any ideas?",
    "Getting error {code} every time I sign in to the portal.",
    "Cheers {brand}, the {product} is fixed now.",
    "The printer on the {nth} floor near room {n} is jammed again.",
    "We need {n} park passes and {n2} green wristbands for the event.",
    "The game stutters on my {gpu} even at low settings.",
    "The {brand} app shows code {code} and then closes.",
    "Meeting room {n} on level {n2} has no working projector.",
    "I paid {price} for {n} tickets to the {brand} Arena.",
    "My hard drive makes a noise, it's a {brand} {n}TB model.",
    "We bought {n} licences in {month} and {n2} more last week.",
    "{brand} sent me a code, {code}, but it expired at {time}.",
    "The town square branch in {city} has {n} open tills.",
    "Step {n}: open Settings, then Privacy, then Location.",
    "Battery at {n}% after {n2} hours, is that normal for the {product}?",
    "Your {brand} Prime order will arrive between {time} and {time2}.",
    "Unit {n} of the pack was broken, the other {n2} are fine.",
    "I was on hold for {n} minutes with {brand}.",
    "The {product} costs {price} at {brand} but {price2} on your site.",
    "Firmware {version} fixed it, thanks to whoever wrote the guide!",
)
BRANDS = (
    "Apple", "Amazon", "Google", "Microsoft", "Samsung", "Netflix", "Spotify", "Uber", "Tesla",
    "Adobe", "Dell", "Ford", "Disney", "Nike", "Lidl", "Aldi", "IKEA", "Philips", "Sony",
    "Vodafone", "Orange", "Telekom", "DHL", "UPS", "FedEx", "PayPal", "Visa", "Zalando",
    "Booking", "Airbnb", "Ryanair", "Lufthansa", "Bosch", "Siemens", "Nokia", "Lenovo",
)  # fmt: skip
GPUS = ("RX 5700 XT", "RTX 4070", "GTX 1080 Ti", "Radeon 780M", "Intel Arc A770", "M2 Pro")
PRODUCTS = (
    "iPhone 14", "Galaxy S23", "Pixel 8", "MacBook Air", "ThinkPad X1", "Kindle", "AirPods Pro",
    "Echo Dot", "PlayStation 5", "Surface Pro", "router", "Smart TV", "Fitbit Charge",
    "Nest thermostat", "coffee machine", "Roomba", "Xbox", "Apple Watch", "Dell XPS", "modem",
)  # fmt: skip


def _order(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"#{rng.randint(10000, 9999999)}"
    if style == 1:
        return f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randint(100000, 999999)}"
    if style == 2:
        return f"ORD-{rng.randint(1000, 99999)}"
    return str(rng.randint(100000000, 999999999))


def _moment(rng: random.Random) -> datetime:
    """A date and time in 2020-2026, from ``rng`` only (Faker's dates move with the clock)."""
    return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(7 * 365 * 24 * 60))


def _product(rng: random.Random) -> str:
    """A product: a known one, or an invented brand-like word ("Lumen", "Korital")."""
    if rng.random() < 0.6:
        return rng.choice(PRODUCTS)
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
    return name + rng.choice(("", "", " Pro", " 2", " X", " Mini", " backpack", " lamp"))


def _code(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return str(rng.randint(100, 99999))
    if style == 1:
        return f"0x{rng.randint(0, 0xFFFFFF):06X}"
    if style == 2:
        return f"E{rng.randint(1, 999)}"
    return f"{rng.randint(100, 999)}-{rng.randint(100, 999)}"


def _name(fake: Faker, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.45:
        name = f"{fake.first_name()} {fake.last_name()}"
    elif style < 0.6:
        name = fake.first_name()
    elif style < 0.7:
        name = fake.name()
    elif style < 0.8:
        name = f"{fake.first_name()[0]}. {fake.last_name()}"
    elif style < 0.9:
        name = f"{fake.first_name()} {fake.first_name()} {fake.last_name()}"
    else:
        name = fake.last_name()
    return name


def _case(value: str, rng: random.Random, lower_share: float) -> str:
    r = rng.random()
    if r < lower_share:
        return value.lower()
    if r < lower_share + 0.03:
        return value.upper()
    return value


# Street-type words of many countries, written before or after the name, for streets in
# shapes the ten locales do not write (general knowledge, not read off any test set).
STREET_AFTER = (
    "Street", "Road", "Lane", "Avenue", "Drive", "Crescent", "Terrace", "Close", "Way", "Line",
    "strasse", "straße", "gasse", "weg", "allee", "platz", "vej", "gade", "gatan", "vägen",
    "veien", "gate", "katu", "tie", "kuja", "bulevardi", "tee", "pst", "maantee", "iela",
    "gatvė", "g.", "al.", "ulica", "ul.", "cesta", "ulice", "utca", "út", "tér", "Caddesi",
    "Cad.", "Sokak", "Sk.", "Bulvar\u0131", "Mahallesi", "straat", "laan", "plein", "dreef",
)  # fmt: skip
STREET_BEFORE = (
    "Rua", "Avenida", "Av.", "Travessa", "Calle", "Carrera", "Jalan", "Jl.", "Via", "Viale",
    "Rue", "Boulevard", "Chemin", "Strada", "Bulevardul", "Str.", "Aleea", "Calea", "Ulica",
    "Náměstí", "Piazza", "Camino", "Prolongación", "Pasaje", "Largo",
)  # fmt: skip


def _any_street(fake: Faker, rng: random.Random) -> str:
    """A street in a shape of any country: a proper noun, a street type, a house number."""
    name = rng.choice((fake.last_name, fake.first_name, fake.city))().split()[0]
    number = rng.choice((
        str(rng.randint(1, 250)), f"{rng.randint(1, 99)}{rng.choice('abc')}",
        f"{rng.randint(1, 200)}-{rng.randint(1, 40)}", f"No: {rng.randint(1, 150)}",
        f"nr {rng.randint(1, 120)}", f"{rng.randint(1, 90)}/{rng.randint(1, 20)}", "S/N",
        f"N° {rng.randint(1, 300)}", f"{rng.randint(1, 99)}.",
    ))  # fmt: skip
    if rng.random() < 0.5:
        kind = rng.choice(STREET_AFTER)
        street = f"{name}{kind}" if kind.islower() and rng.random() < 0.4 else f"{name} {kind}"
    else:
        street = f"{rng.choice(STREET_BEFORE)} {name}"
    if rng.random() < 0.3 and not number.startswith(("No", "nr", "N°", "S/N")):
        return f"{number} {street}"
    return f"{street} {number}"


def _street(fake: Faker, rng: random.Random) -> str:
    return _any_street(fake, rng) if rng.random() < 0.3 else fake.street_address()


def _address_block(fake: Faker, rng: random.Random) -> list[str]:
    if rng.random() < 0.3:
        lines = [_any_street(fake, rng), f"{fake.postcode()} {fake.city()}"]
    else:
        lines = fake.address().split("\n")
    if rng.random() < 0.3:
        lines.append(fake.current_country())
    return lines


def _sentence(fake: Faker, rng: random.Random, lang: str, b: Builder, lower: bool) -> None:
    frame = rng.choice(FRAMES[lang] if rng.random() < 0.7 else FRAMES["en"])
    fill: dict[str, Callable[[], Part]] = {
        "name": lambda: (_name(fake, rng), PER),
        "addr": lambda: (", ".join(_address_block(fake, rng)), ADDR),
        "street": lambda: (_street(fake, rng), ADDR),
        "zip": lambda: (fake.postcode(), ZIP),
        "phone": lambda: (fake.phone_number(), PHONE),
        "city": lambda: (fake.city(), None),
        "company": lambda: (fake.company(), None),
        "order": lambda: (_order(rng), None),
    }
    _fill(frame, fill, b, rng, 0.9 if lower else 0.05)


def _fill(
    frame: str, fill: dict[str, Callable[[], Part]], b: Builder, rng: random.Random, lower: float
) -> None:
    pos = 0
    lowered = rng.random() < lower
    while (open_at := frame.find("{", pos)) >= 0:
        close_at = frame.index("}", open_at)
        b.add(frame[pos:open_at].lower() if lowered else frame[pos:open_at])
        value, kind = fill[frame[open_at + 1 : close_at]]()
        b.add(value.lower() if lowered else value, kind)
        pos = close_at + 1
    b.add(frame[pos:].lower() if lowered else frame[pos:])


def _signature(fake: Faker, rng: random.Random, b: Builder, lang: str) -> None:
    b.add(rng.choice(CLOSINGS[lang] + CLOSINGS["en"]))
    b.add("\n")
    b.add(_case(_name(fake, rng), rng, 0.05), PER)
    if rng.random() < 0.3:
        b.add("\n" + fake.job())
    for line in _address_block(fake, rng) if rng.random() < 0.7 else []:
        b.add("\n")
        b.add(line, ADDR)
    if rng.random() < 0.6:
        b.add("\n" + rng.choice(("Tel: ", "Phone: ", "Mob. ", "", "T ", "Tel. ")))
        b.add(fake.phone_number(), PHONE)
    if rng.random() < 0.3:
        b.add("\n")
        b.add(fake.email(), EMAIL)


# "On <date>, <name> wrote:" as mail programs write it, and letter salutations.
QUOTE_LINES: dict[str, tuple[str, ...]] = {
    "en": ("On {date}, {name} <{email}> wrote:", "On {date} {name} wrote:"),
    "de": ("Am {date} schrieb {name} <{email}>:", "{name} schrieb am {date}:"),
    "fr": ("Le {date}, {name} <{email}> a écrit :",),
    "es": ("El {date}, {name} <{email}> escribió:",),
    "it": ("Il giorno {date} {name} <{email}> ha scritto:",),
    "nl": ("Op {date} schreef {name} <{email}>:",),
    "da": ("Den {date} skrev {name} <{email}>:",),
    "hu": ("{name} <{email}> ezt írta ({date}):",),
    "pl": ("W dniu {date} {name} <{email}> napisał(a):",),
}
SALUTATIONS: dict[str, tuple[str, ...]] = {
    "en": ("Dear Mr {last},", "Dear Ms {last},", "Dear {first},", "Hello {first},"),
    "de": ("Sehr geehrte Frau {last},", "Sehr geehrter Herr {last},", "Hallo {first},"),
    "fr": ("Bonjour Madame {last},", "Cher Monsieur {last},", "Bonjour {first},"),
    "es": ("Estimado Sr. {last}:", "Estimada Sra. {last}:", "Hola {first}:"),
    "it": ("Gentile Sig. {last},", "Gentile Sig.ra {last},", "Ciao {first},"),
    "nl": ("Beste mevrouw {last},", "Geachte heer {last},", "Hoi {first},"),
    "da": ("Kære {first},", "Hej {first},"),
    "hu": ("Tisztelt {last} {first}!", "Kedves {first}!"),
    "pl": ("Szanowny Panie {last},", "Szanowna Pani {last},", "Cześć {first},"),
}


def _quoted(fake: Faker, rng: random.Random, b: Builder, lang: str) -> None:
    """A reply above a quoted mail: salutation, text, the quote line, the quoted text."""
    first, last = fake.first_name(), fake.last_name()
    salutation = rng.choice(SALUTATIONS[lang])
    for part in re.split(r"(\{first\}|\{last\})", salutation):
        b.add(
            first if part == "{first}" else last if part == "{last}" else part,
            PER if part in ("{first}", "{last}") else None,
        )
    b.add("\n\n")
    _clean(fake, rng, b, lang)
    b.add("\n\n")
    line = rng.choice(QUOTE_LINES[lang])
    moment = _moment(rng).strftime(
        rng.choice(("%a, %d %b %Y at %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d"))
    )
    for part in re.split(r"(\{date\}|\{name\}|\{email\})", line):
        if part == "{date}":
            b.add(moment)
        elif part == "{name}":
            b.add(_name(fake, rng), PER)
        elif part == "{email}":
            b.add(fake.email(), EMAIL)
        else:
            b.add(part)
    b.add("\n> ")
    _sentence(fake, rng, lang, b, False)


def _mail_header(fake: Faker, rng: random.Random, b: Builder, lang: str) -> None:
    """A quoted or forwarded mail's header, then a line of text."""
    sender, sent, to, subject = HEADERS[lang if rng.random() < 0.6 else "en"]
    b.add(f"{sender}: ")
    b.add(_name(fake, rng), PER)
    b.add(" <")
    b.add(fake.email(), EMAIL)
    b.add(
        f">\n{sent}: {_moment(rng).strftime(rng.choice(('%a, %d %b %Y %H:%M', '%d.%m.%Y %H:%M')))}"
    )
    b.add(f"\n{to}: ")
    b.add(fake.company_email(), EMAIL)
    b.add(f"\n{subject}: {rng.choice(('RE: ', 'AW: ', 'Fwd: ', ''))}Order {_order(rng)}\n\n")
    _clean(fake, rng, b, lang)


def _chat(fake: Faker, rng: random.Random, b: Builder) -> None:
    """A support chat transcript: the agent asks, the customer answers on the next line."""
    agent, customer = rng.choice((("Agent", "Customer"), ("Support", "Me"), ("Bot", "You")))
    asks: list[tuple[str, Callable[[], Part]]] = [
        ("What name is the account under?", lambda: (_name(fake, rng), PER)),
        ("Which postcode should we deliver to?", lambda: (fake.postcode(), ZIP)),
        ("And the street address?", lambda: (_street(fake, rng), ADDR)),
        ("Best number to call you on?", lambda: (fake.phone_number(), PHONE)),
        ("Which product is it about?", lambda: (_product(rng), None)),
        ("Do you have the order number?", lambda: (_order(rng), None)),
        ("How many days has it been?", lambda: (str(rng.randint(2, 40)), None)),
    ]
    for question, answer in rng.sample(asks, rng.randint(2, 4)):
        value, kind = answer()
        b.add(f"{agent}: {question}\n{customer}: ")
        b.add(value.lower() if rng.random() < 0.3 else value, kind)
        b.add("\n")


def _form(fake: Faker, rng: random.Random, b: Builder) -> None:
    fields: list[tuple[str, Callable[[], Part]]] = [
        ("Name", lambda: (_name(fake, rng), PER)),
        ("Address", lambda: (_street(fake, rng), ADDR)),
        ("Postcode", lambda: (fake.postcode(), ZIP)),
        ("City", lambda: (fake.city(), None)),
        ("Phone", lambda: (fake.phone_number(), PHONE)),
        ("Order", lambda: (_order(rng), None)),
        ("Product", lambda: (rng.choice(PRODUCTS), None)),
    ]
    for label, make in rng.sample(fields, rng.randint(2, len(fields))):
        value, kind = make()
        b.add(f"{label}: ")
        b.add(value, kind)
        b.add("\n")


def _clean(fake: Faker, rng: random.Random, b: Builder, lang: str = "en") -> None:
    local = CLEAN_LOCAL.get(lang, ())
    frame = rng.choice(local if local and rng.random() < 0.5 else CLEAN)
    if rng.random() < 0.15:
        frame += "\n" + rng.choice(CLOSINGS[lang] + CLOSINGS["en"])
    fill: dict[str, Callable[[], Part]] = {
        "product": lambda: (_product(rng), None),
        "version": lambda: (f"{rng.randint(1, 17)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}", None),
        "order": lambda: (_order(rng), None),
        "date": lambda: (
            _moment(rng).strftime(rng.choice(("%Y-%m-%d", "%d/%m/%Y", "%B %d"))),
            None,
        ),
        "city": lambda: (fake.city(), None),
        "country": lambda: (fake.country(), None),
        "company": lambda: (fake.company(), None),
        "n": lambda: (str(rng.randint(2, 500)), None),
        "price": lambda: (f"€{rng.randint(5, 900)}.{rng.randint(0, 99):02d}", None),
        "price2": lambda: (f"${rng.randint(5, 900)}", None),
        "n2": lambda: (str(rng.randint(1, 99)), None),
        "nth": lambda: (rng.choice(("1st", "2nd", "3rd", "4th", "5th", "12th")), None),
        "code": lambda: (_code(rng), None),
        "brand": lambda: (rng.choice(BRANDS), None),
        "gpu": lambda: (rng.choice(GPUS), None),
        "month": lambda: (fake.month_name(), None),
        "time": lambda: (_moment(rng).strftime("%H:%M"), None),
        "time2": lambda: (_moment(rng).strftime("%I %p"), None),
    }
    _fill(frame, fill, b, rng, 0.15)


def generate(n: int, seed: int) -> list[Record]:
    """``n`` labelled texts from the training locales, deterministic for ``seed``."""
    rng = random.Random(seed)
    fakers = {}
    for i, loc in enumerate(TRAINING_LOCALES):
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(seed + i)
    records = []
    for _ in range(n):
        loc = rng.choice(TRAINING_LOCALES)
        fake, b = fakers[loc], Builder()
        layout = rng.random()
        if layout < 0.33:
            for part in range(rng.randint(1, 3)):
                b.add(" " if part else "")
                _clean(fake, rng, b, LANG[loc])
            name = "clean"
        elif layout < 0.65:
            lower = rng.random() < 0.12
            for part in range(rng.randint(1, 3)):
                b.add(" " if part else "")
                if rng.random() < 0.75:
                    _sentence(fake, rng, LANG[loc], b, lower)
                else:
                    _clean(fake, rng, b, LANG[loc])
            name = "sentence"
        elif layout < 0.85:
            if rng.random() < 0.5:
                _clean(fake, rng, b, LANG[loc])
            else:
                _sentence(fake, rng, LANG[loc], b, False)
            b.add("\n\n")
            _signature(fake, rng, b, LANG[loc])
            name = "signature"
        elif layout < 0.92:
            _form(fake, rng, b)
            name = "form"
        elif layout < 0.95:
            _mail_header(fake, rng, b, LANG[loc])
            name = "header"
        elif layout < 0.98:
            _quoted(fake, rng, b, LANG[loc])
            name = "quoted"
        else:
            _chat(fake, rng, b)
            name = "chat"
        records.append(b.record(f"{name}:{loc}"))
    return records


def presidio_records() -> list[Record]:
    from bench.pii import data_dir

    path = data_dir() / "presidio_synth" / "synth_dataset_v2.dev.json"
    return json.loads(path.read_text()) if path.exists() else []


def train(records: Iterable[Record], path: Path, *, verbose: bool = False) -> Path:
    """Train the tagger on ``records`` and write its model to ``path``."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=verbose)
    for rec in records:
        text = str(rec["full_text"])
        spans = [
            (str(s["entity_type"]), int(s["start_position"]), int(s["end_position"]))
            for s in rec["spans"]  # type: ignore[attr-defined]
        ]
        tokens = _tagger.tokens(text)
        if tokens:
            trainer.append(_tagger.features(text, tokens), _tagger.bio(tokens, spans))
    trainer.set_params(
        {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(path))
    return path


def tune(train_records: list[Record]) -> Callable[[str], object]:
    """``bench/pii.py`` hook: a model trained on Faker text plus ``train_records`` only."""
    import tempfile

    from helpdesk import pii

    path = Path(tempfile.mkdtemp(prefix="pii-tagger-")) / "fold.crfsuite"
    t0 = time.perf_counter()
    train(generate(DEFAULT_TEXTS, DEFAULT_SEED) + train_records, path)
    print(
        f"  (trained on {len(train_records)} dev texts + Faker in {time.perf_counter() - t0:.0f} s)"
    )

    def redact_with_fold_model(text: str) -> object:
        if _tagger.use_model(path) != path:
            pii._detections.cache_clear()
        return pii.redact(text)

    return redact_with_fold_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=DEFAULT_TEXTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args()
    t0 = time.perf_counter()
    records = generate(args.texts, args.seed)
    if not args.no_presidio:
        records += presidio_records()
    print(f"{len(records)} texts generated in {time.perf_counter() - t0:.1f} s; training...")
    train(records, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"model: {args.out} ({size:.1f} MB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    pii_generated.with_fixed_hash_seed()
    main()
