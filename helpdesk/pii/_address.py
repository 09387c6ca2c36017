"""Street addresses and postcodes by address grammar.

An address is found from a core (house number + street name + street type such as "Road" or
"Rd.", a street-type word first as in "Rue de la Gare 5" / "ul. Miła 53", a compound street
name such as "Bahnhofstraße 12" or "Hersnapvej 18", a PO box, a military address, "the corner
of A and B"), then grown over what follows it in an address block: flat/suite/unit, city,
region, country and postcode, over commas and line breaks, until a word that cannot be part of
an address. A postcode alone is masked only by context: after "zip"/"postcode", after a US
state, in a known national format (UK, Canada, Netherlands, Poland, Portugal, Sweden), or
after a place name ("in Arendal 4844").
"""

from __future__ import annotations

import re

from . import _patterns as P
from ._base import ADDRESS, WEAK_ADDRESS, ZIP
from ._lexicon import is_common, is_rare

Cand = tuple[str, int, int]


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


# USPS Publication 28 street suffixes (full and common abbreviations), plus a few British ones.
_US_TYPES = """
alley aly allee anex annex arcade arc avenue ave av bayou bayoo beach bch bend bnd bluff blf
bluffs bottom btm boulevard blvd branch br bridge brg brook brk brooks burg burgs bypass byp
camp cp canyon cyn cape cpe causeway cswy center ctr centre centers circle cir circles cliff
clf cliffs clfs club common commons corner cor corners cors course crse court ct courts cts
cove cv coves creek crk crescent cres crest crst crossing xing crossroad curve dale dl dam dm
divide dv drive dr drives dvs estate est estates ests expressway expy extension ext extensions
exts falls fls ferry fry field fld fields flds flat flt flats flts ford frd fords forest frst
forge frg forges frgs fork frk forks frks fort ft freeway fwy garden gdn gardens gdns gateway
gtwy glen gln glens green grn greens grns grove grv groves harbor hbr harbour harbors haven
hvn heights hts highway hwy hill hl hills hls hollow holw inlet inlt island is islands iss
isle junction jct junctions key ky keys kys knoll knl knolls knls lake lk lakes lks landing
lndg lane ln light lgt lights lgts loaf lf lock lck locks lcks lodge ldg loop mall manor mnr
manors mnrs meadow mdw meadows mdws mews mill ml mills mls motorway mtwy mount mt mountain mtn
mountains mtns neck nck orchard orch oval parade park parks parkway pkwy parkways pass passage
psge path pike pine pne pines pnes place pl plain pln plains plns plaza plz point pt points
pts port prt ports prts prairie pr radial radl ramp ranch rnch rapid rpd rapids rpds rest rst
ridge rdg ridges rdgs river riv road rd roads rds route rte row rue run shoal shl shoals shls
shore shr shores shrs skyway skwy spring spg springs spgs spur spurs square sq squares sqs
station sta stravenue stra stream strm street st streets sts summit smt terrace ter
throughway trwy trace trce track trak trafficway trfy trail trl trailer trlr tunnel tunl
turnpike tpke underpass upas union un unions uns valley vly valleys vlys viaduct via view vw
views vws village vlg villages vlgs ville vl vista vis walk walks wall way wy ways well wl
wells wls close wynd rise
"""
US_TYPES = frozenset(_US_TYPES.split()) - frozenset(("is", "un", "iss", "via", "cor", "fry"))
# Types that are also everyday words: a street only with a name between number and type.
_RISKY = _w(
    """
    arc bend cape center centre club common corner course cove crest curve dale divide falls
    field fields flat flats ford forest fork forks fort garden glen green grove harbor haven
    hill island isle key keys lake light lights loaf lock lodge manor mill mount neck oval park
    parks pass passage path pike pine plain point points port ramp rest ridge river row run
    shoal shore spring springs spur square station stream summit track trace tunnel union view
    views village ville vista walk wall way ways well wells close rise st
    """
)
_TYPE_RX = "|".join(sorted(US_TYPES, key=len, reverse=True))
# Street-type words written before the name (Romance, Slavic, Baltic, Greek in Latin letters).
_PREFIX = (
    r"Via|Viale|Vicolo|Piazza|Piazzale|Piazzetta|Corso|Largo|Strada|Rue|Avenue|Boulevard|Chemin|"
    r"Allée|Impasse|Quai|Place|Calle|Avenida|Avda\.?|Av\.|Paseo|Camino|Carrer|Passeig|Rambla|"
    r"Plaza|Ronda|Travesía|Rua|Travessa|Praça|Estrada|Alameda|Ulica|ul\.|al\.|os\.|pl\.|"
    r"trg|Trg|Cesta|Ulice|Náměstí|nám\.|Bulevardi|Odos|Leoforos|Plateia|C/|R\.|Jalan|Jln\.?|"
    r"Lorong|Persiaran|Lebuh|Lebuhraya|Carrera|Cra\.|Cr\.|Kr\.|Tv\.|"
    r"Dg\.|Blv\.|Bv\.|Bulevar|Pasaje|Psje\.|Retorno|Privada|Cerrada|Circuito|Andador|"
    r"Callejón|Prolongación|Calzada|Drumul|Str\.|Bulevardul|Bd\.|Aleea|Calea|Șoseaua|Soseaua|"
    r"Splaiul|Intrarea"
)
# Street-type endings or words written after the name (Germanic, Nordic, Finnic, Hungarian...).
# Street-type words written apart from the name, in several languages.
EU_TYPES = _w(
    """strasse straße gasse weg allee platz vej gade gata gatan vägen veien gate utca út tér
    körút rakpart sor fasor straat laan plein iela ulica cesta ulice terrasse rue via viale
    piazza piazzetta calle avenida rua travessa praça vicolo largo corso chemin caddesi
    sokak sokağı bulvarı mahallesi"""  # noqa: RUF001
)
_SUFFIX_WORD = (
    r"stra(?:ss|ß)e|str\.|strasse|gasse|weg|allee|platz|ring|damm|ufer|steig|pfad|vej|gade|"
    r"stræde|gata|gatan|vägen|väg|veien|vegen|gate|stræti|gata|götu|katu|tie|kuja|polku|tee|"
    r"straat|laan|plein|gracht|kade|dreef|singel|utca|út|útja|u\.|tér|körút|krt\.|rakpart|rkp\.|"
    r"köz|sor|sétány|fasor|iela|gatvė|ulica|cesta|ulice|terrasse|vägen|bakken|haugen"
)
# A house number, with its marker ("Nr. 741", "N° 44", "No:86") and, in Colombia, the cross
# street's ("Calle 90 # 5-7", "Cr. 49 # 23-2 Este").
_MARK = r"(?:Nr\.?|No\.?|N°|Nº|Nro\.?|No:|#)[ \t]*"
_NUM = (
    rf"(?:{_MARK})?\d{{1,5}}[a-zA-Z]?(?:[/-]\d{{1,4}}[a-zA-Z]?)?"
    rf"(?:[ \t]+{_MARK}\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?(?:[ \t]+(?:Sur|Este|Norte|Oeste|Bis))?)?"
)
_CAPWORD = r"[^\W\d_][\w'\u2019.-]*"
_UNIT = r"(?:apt|apartment|suite|ste|unit|box|fl|floor|room|rm|bldg|building|flat|dept)\.?"

ADDR_US = re.compile(
    rf"(?i)\b(?P<num>\d{{1,6}}[a-z]?)\s+(?P<name>(?:[\w'\u2019.-]+[ \t]+){{0,4}}?)"
    rf"(?P<type>{_TYPE_RX})\b\.?"
)
ADDR_PREFIX = re.compile(
    rf"(?:\b\d{{1,6}}[ \t]+)?(?<![\w])(?:{_PREFIX})[ \t]+(?:{_CAPWORD}[ \t]+){{0,4}}?{_NUM}\b"
    rf"|\b\d{{1,6}}[ \t]+(?i:{_PREFIX}|montée|rang|côte|promenade|ruelle|croissant)[ \t]+"
    rf"{_CAPWORD}(?:[ \t]+{_CAPWORD}){{0,4}}"
)
ADDR_SUFFIX = re.compile(
    rf"(?i)\b(?:[^\W\d_][\w'\u2019-]*[ \t]+){{0,2}}?[^\W\d_][\w'\u2019-]*?(?:{_SUFFIX_WORD})"
    rf"(?:[ \t]+{_NUM}\b\.?|(?=[ \t]+{_NUM}\b))"
)
ADDR_SUFFIX_SPACED = re.compile(
    rf"(?i)\b[^\W\d_][\w'\u2019-]*[ \t]+(?:[^\W\d_][\w'\u2019-]*[ \t]+)?"
    rf"(?:{'|'.join(sorted(EU_TYPES))}|str\.|u\.|krt\.|rkp\.|cad\.|sok\.|sk\.|mah\.)[ \t]+"
    rf"{_NUM}\b\.?"
)
PO_BOX = re.compile(
    r"(?i)\b(?:P\.?\s?O\.?\s*Box|Post(?:al)?\s*(?:Office\s*)?Box|Postbox)\s+\d{1,6}"
)
ADDR_MIL = re.compile(
    r"(?i)\b(?:(?:Unit|PSC)\s+\d{3,5},?\s+Box\s+\d{3,5}|(?:USNS|USS|USNV|USCGC)\s+[^\W\d_][\w'-]*)"
    r"\s*,?\s*(?:DPO|APO|FPO)\s+A[AEP]\s+\d{5}\b"
)
# Number, one to three capitalised words, number: "4823 Ringvej 144", "86036 Rua do Arenque 1634".
_LINK = r"de|do|da|del|di|la|le|van|von|z|u|v|na|nad|pod|ve|ze"
ADDR_NUM = re.compile(
    rf"\b\d{{3,6}}[ \t]+(?:(?:[^\W\d_a-z][^\W\d_]*(?:['\u2019.-][^\W\d_]+)*\.?|{_LINK})[ \t]+)"
    r"{1,4}\d{1,5}[a-zA-Z]?\b"
)
# The same in text written without capitals: "5670 r josé a madeira 1".
ADDR_NUM_CASELESS = re.compile(
    r"\b\d{3,6}[ \t]+(?:[^\W\d_]+(?:['\u2019.-][^\W\d_]+)*\.?[ \t]+){1,4}\d{1,5}[a-zA-Z]?\b"
)
# "is on Pod Floriánem 1677": a preposition, a street name with a rare word, a house number.
ADDR_ON = re.compile(
    r"\b(?i:on|at|in|to)[ \t]+(?P<street>(?:[^\W\d_a-z][\w'\u2019.-]*[ \t]+){1,3}\d{1,4}[a-zA-Z]?)"
    r"(?=[ \t]*(?:[.,;!?)\n]|$))"
)
CORNER = re.compile(
    r"(?i)\bthe corner of[ \t]+(?:(?!and\b)[^\s,.;:!?]+\.?[ \t]+){1,6}?and[ \t]+"
    r"[^\s,.;:!?]+(?:[ \t]+(?!(?:in|at|for|after|before|on|to|please|last)\b)[^\s,.;:!?]+){0,4}"
)

# A named street without a number after "on"/"at": "lives on Maple Avenue".
_FULL_TYPES = (
    r"Street|Avenue|Road|Lane|Drive|Boulevard|Close|Crescent|Terrace|Place|Parkway|Court|"
    r"Highway|Way|Square|Gardens|Grove|Mews|Row|Walk|Hill|Circle|Trail"
)
NAMED_STREET = re.compile(
    r"\b(?i:live|lives|living|lived|located|moved|move|based|stay|staying)[ \t]+(?i:on|at|in)[ \t]+"
    rf"(?P<street>(?:[^\W\d_a-z][\w'\u2019-]*[ \t]+){{1,3}}(?:{_FULL_TYPES}))\b"
)

# What may follow a street in an address block.
_NEXT = re.compile(
    rf"(?P<sep>[ \t]*(?:[,;\n][ \t]*)+|[ \t]+|\.[ \t]*)"
    rf"(?P<tok>(?i:{_UNIT})[ \t]*#?[ \t]*[\w-]+|\([^\W\d_]+\)|"
    rf"\d[\dA-Za-z]*(?:[- ]\d[\dA-Za-z]*)?|(?:[^\W\d_]|\u2206)[\w'\u2019\u2206-]*\.?)"
)
_STOP = _w(
    """
    the and for in at on to of or but is was with from after before last next please call mobile
    desk fax phone tel telephone email e-mail mail website web it i we you he she they this that
    if when so then also thanks thank regards best kind sincerely cheers name address since
    until by via near as are be will would can could should may might has have had do does did
    not no yes my your his her our their its me us them who which what where why how there here
    now today tomorrow yesterday tonight morning evening night week month year asap instead
    because while though although thanks! ok okay hi hello dear re subject date card number
    account order ticket invoice let let's but
    """
)
_NOT_POSTCODE = re.compile(
    r"\d+\s*(?:%|percent|years?|months?|weeks?|days?|hours?|minutes?|mins?|seconds?|am|pm|"
    r"times|items?|units?|dollars?|euros?|pounds?|usd|eur|gb|mb|tb)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"(?<![\d.,])\d+")
_CONNECT = _w(
    """
    de del da do dos das du la le u v na nad pod am an im sur en di y i e
    """
)


_POSTCODE = (
    r"\d{5}(?:-\d{4}|-\d{3})?|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{4}[ ]?[A-Z]{2}(?![\w])|\d{4}"
    r"|[A-Z]\d{4}(?:[A-Z]{3})?"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}|[A-Z]\d[A-Z][ ]?\d[A-Z]\d"
)
# A street and house number, a comma, a postcode and a place: "Vinohradská 12, 120 00 Praha",
# "Hämeenkatu 10 A 5, 33100 Tampere", in whatever language the street is named.
ADDR_BLOCK = re.compile(
    r"(?<![\w-])[^\W\d_a-z][\w'\u2019.-]*(?:[ \t]+[\w'\u2019.-]+){0,3}?[ \t]+"
    r"\d{1,5}[a-zA-Z]?(?:[/-]\d{1,4})?(?:[ \t]+[A-Z](?:[ \t]+\d{1,4})?)?,[ \t]*"
    rf"(?:[A-Z]{{1,2}}-)?(?-i:{_POSTCODE})(?=[ \t]+[^\W\d_a-z])"
)


# A lot, flat or house number and a comma before the street: "Lot 8, ", "No. 187, ", "2-6, ".
UNIT_BEFORE = re.compile(
    r"(?<![\w-])(?:(?:Lot|No\.?|Unit|Blk|Block|Flat|Studio|Apt\.?|Apartment|Suite)[ \t]*"
    r"[\w-]*\d[\w/-]*,[ \t]*)+$|(?<![\w-])\w{0,3}\d{1,4}(?:-\d{1,4}){1,2}[A-Za-z]?,[ \t]*$"
)
# "House No. 82, South Borhan Road": a house numbered so, and the street after the comma.
HOUSE_NO = re.compile(
    r"(?:\b(?:Flat|Studio|Apartment|Apt\.?|Unit)[ \t]+\d{1,4}[A-Za-z]?,[ \t]*)*"
    r"\b(?:House|Holding|Building|Plot)[ \t]+No\.?[ \t]*\d{1,5}[A-Za-z]?"
    r"(?:,[ \t]*(?:(?:North|South|East|West|Middle|Old|New)[ \t]+)?[^\W\d_a-z][\w'-]*"
    r"(?:[ \t]+[^\W\d_a-z][\w'-]*){0,3})?"
)


def _is_caseless(text: str) -> bool:
    return not any(c.isupper() for c in text) or not any(c.islower() for c in text)


def _extend(text: str, start: int, end: int, caseless: bool) -> Cand:
    """Grow a street core into its block: house number, flat, city, region, postcode."""
    before = re.search(r"(?:\d{1,6}[a-zA-Z]?[ \t]+){1,2}$", text[max(0, start - 14) : start])
    start -= len(before[0]) if before else 0
    slash = re.search(r"\d{1,5}[/-]$", text[max(0, start - 6) : start])  # "3/12 Kirova St."
    start -= len(slash[0]) if slash else 0
    unit = UNIT_BEFORE.search(text, max(0, start - 40), start)  # "Lot 8, Jln 5", "2-6, Jalan"
    start = unit.start() if unit else start
    initials = re.search(r"(?<!\w)(?:[A-Z]\.[ \t]*){1,2}$", text[max(0, start - 6) : start])
    start -= len(initials[0]) if initials else 0
    corner = re.search(r"(?i)the corner of[ \t]+$", text[max(0, start - 16) : start])
    start -= len(corner[0]) if corner else 0
    limit = min(len(text), end + 160)
    blank_lines = 0
    while m := _NEXT.match(text, end, limit):
        sep, tok = m["sep"], m["tok"]
        low = tok.casefold().rstrip(".")
        if sep.count("\n") > 1:
            blank_lines += 1
            if blank_lines > 1:
                break
        # After a full stop on the same line only a flat or number goes on ("76. Apt. 289").
        unit = re.match(rf"(?i){_UNIT}", tok)
        if "." in sep and "\n" not in sep and not (unit or tok[0].isdigit()):
            break
        if tok[0].isdigit():
            if _NOT_POSTCODE.match(text, m.start("tok")):
                break
            end = m.end()
            continue
        if unit or low == "nan" or tok.startswith("("):
            end = m.end()
            continue
        region = not caseless and tok.isupper() and len(tok) <= 3  # "ON", "NO", "DE"
        if (low in _STOP and not region) or text.startswith(":", m.end()):
            break
        if low in _CONNECT and not region:
            nxt = _NEXT.match(text, m.end(), limit)
            if nxt and nxt["tok"][0].isupper() and "\n" not in nxt["sep"]:
                end = m.end()
                continue
            break
        if tok[0].isupper() or (not tok[0].isascii() and not tok[0].islower()) or caseless:
            end = m.end()
            continue
        break
    # A full stop after the last word ends the sentence, unless the word is an abbreviation.
    if text[end - 1] == "." and re.search(r"[^\W\d_]{5,}\.$", text[start:end]):
        end -= 1
    return (ADDRESS, start, end)


_BUSINESS_BEFORE = re.compile(
    rf"(?i)\b(?:{'|'.join(sorted(P.BUSINESS_WORDS))})\W{{0,3}}(?:no\.?|nr\.?|#)?[ \t]*$"
)


def _us_core_ok(text: str, m: re.Match[str], caseless: bool) -> bool:
    typ = m["type"].casefold()
    name = m["name"].strip()
    if not name and typ in _RISKY:
        return False  # "3 way call", "2 park passes"
    words = (name + " " + m["type"]).split()
    if not caseless and not any(w[0].isupper() for w in words):
        return False
    if not caseless and sum(w.islower() and w not in _CONNECT for w in name.split()) > 1:
        return False  # "Order 90535 still hasn't reached Conrad Ville": a sentence
    if _BUSINESS_BEFORE.search(text, max(0, m.start() - 16), m.start()):
        return False  # "order 4471 ... Way": a reference, not a house number
    return not any(w.casefold().strip(".,") in _STOP | {"a", "an"} for w in name.split())


# A new line that starts with a form label ("phone:", "Telefon:"): the address ended before it.
FORM_LABEL_LINE = re.compile(r"\n[ \t]*[^\W\d_][\w -]{0,20}:")


def addresses(text: str) -> list[Cand]:
    caseless = _is_caseless(text)
    cores: list[tuple[int, int]] = []
    cores += [m.span() for m in ADDR_US.finditer(text) if _us_core_ok(text, m, caseless)]
    for rx in (ADDR_PREFIX, PO_BOX, ADDR_MIL, CORNER, HOUSE_NO):
        cores += [m.span() for m in rx.finditer(text)]
    # These may take the sentence's words before the street name: leave them out.
    for rx in (ADDR_SUFFIX, ADDR_SUFFIX_SPACED, ADDR_BLOCK):
        cores += [(_past_lead_in(text, *m.span(), caseless), m.end()) for m in rx.finditer(text)]
    for m in ADDR_NUM.finditer(text):
        # "4823 Ringvej 144", not "5700 XT 8" (a product): a street name word is in it.
        words = [w.rstrip(".") for w in m[0].split()[1:-1]]
        if any(len(w) >= 4 and not w.isupper() and not is_common(w) for w in words):
            cores.append(m.span())
    if caseless:
        for m in ADDR_NUM_CASELESS.finditer(text):
            words = m[0].split()[1:-1]
            if not any(w.casefold().rstrip(".") in _STOP for w in words):
                cores.append(m.span())
    for m in NAMED_STREET.finditer(text):
        if all(w[0].isupper() for w in m["street"].split()):
            cores.append(m.span("street"))
    for m in ADDR_ON.finditer(text):
        words = m["street"].split()[:-1]
        if any(is_rare(w.rstrip(".")) for w in words) and not any(
            w.casefold() in _STOP for w in words
        ):
            cores.append(m.span("street"))
    out = [_extend(text, s, e, caseless) for s, e in cores]
    for m in P.ADDR_CUE.finditer(text):
        start = m.end()
        end_m = P.SENT_END.search(text, start, start + 160)
        end = end_m.start() if end_m else min(len(text), start + 160)
        if end_m and text[end_m.start()] == ".":
            end += 1 if re.search(rf"(?i)\b(?:{_TYPE_RX}|apt)$", text[start:end]) else 0
        chunk = FORM_LABEL_LINE.split(text[start:end], maxsplit=1)[0].rstrip()
        first = chunk.split(maxsplit=1)[0].casefold() if chunk.strip() else ""
        if first in _STOP | {"a", "an", "some", "any", "another"}:
            continue  # "deliver to my garage": no address starts so
        if not any(_NOT_POSTCODE.match(chunk, d.start()) is None for d in _DIGITS.finditer(chunk)):
            continue  # no number, or only amounts and durations ("within 3 days")
        if re.match(r"\d{1,6}[a-zA-Z]?[ \t]+[^\W\d_]", chunk):
            # Starting with a house number: an address block, grown by the grammar.
            first_line = re.split(r"[\n,;]", chunk, maxsplit=1)[0]
            out.append(_extend(text, start, start + len(first_line.rstrip()), caseless))
        else:
            chunk = _before_next_clause(chunk, caseless)
            out.append((WEAK_ADDRESS, start, start + len(chunk)))  # names found inside win
    out += _postal_lines(text)
    return _merge(text, out)


# The last lines of a postal address in any country: a street line with a house number, then
# the postcode and the place ("5677 Chandpur", "Tangail 7971", "273031 g. Orsk" in Cyrillic).
_CODE = r"(?:[A-Z]{1,3}-)?(?:\d{4,6}|\d{3} \d{2}|\d{2}-\d{3}|\d{4,5}-\d{3}|[A-Z]\d{4}(?:[A-Z]{3})?)"
_PLACE_WORD = r"(?:[^\W\d_a-z][\w'\u2019()-]*\.?|[^\W\d_]{1,4}\.)"  # "Orsk", "g."
_PLACE = rf"{_PLACE_WORD}(?:[ \t]+(?:{_PLACE_WORD}|(?:de|del|la|le|am|an|nad|sur|upon)))" + "{0,3}"
POSTAL_LINE = re.compile(
    rf"^[ \t]*(?:(?P<lead>{_CODE})[ \t]+{_PLACE}|{_PLACE}[ \t]+(?P<tail>{_CODE}))[ \t]*$",
    re.MULTILINE,
)
STREET_LINE = re.compile(r"[ \t]*(?=[^\n]*?(?<![\d.,])\d{1,5}[a-zA-Z]?\b)[^\n:?!]{4,60}?[ \t]*$")


def _postal_lines(text: str) -> list[Cand]:
    out: list[Cand] = []
    for m in POSTAL_LINE.finditer(text):
        code = "lead" if m["lead"] else "tail"
        if re.fullmatch(r"(?:19|20)\d\d", m[code]) or _NOT_POSTCODE.match(text, m.start(code)):
            continue
        line_start = text.rfind("\n", 0, max(0, m.start() - 1)) + 1
        street = STREET_LINE.match(text, line_start, max(line_start, m.start() - 1))
        if (
            not street
            or text[street.end() - 1 : street.end()] == "."
            or len(re.findall(r"\d", street[0])) > 8
            or not re.search(r"[^\W\d_]{3}", street[0])
        ):
            continue
        if any(w.casefold() in _STOP for w in _WORD.findall(street[0])):
            continue  # a sentence ("Step 2 of the guide"), not a street
        out += [(ZIP, m.start(code), m.end(code)), (ADDRESS, street.start(), street.end())]
    return out


_WORD = re.compile(r"[^\W\d_][\w'\u2019.-]*")


_PREFIX_RX = re.compile(rf"(?i)(?:{_PREFIX})")


def _past_lead_in(text: str, start: int, end: int, caseless: bool) -> int:
    """The start of a street core without the sentence's words before the name ("deliver to
    Puuskakatu 766", "it to Achleitnerstraße 7"): a stop word, or a lower-case word where
    the text has capitals."""
    for m in _WORD.finditer(text, start, end):
        low = m[0].casefold().rstrip(".")
        lead_in = low in _STOP or (
            not caseless and m[0].islower() and low not in _CONNECT and low not in US_TYPES
        )
        if m.start() != start or not lead_in or _PREFIX_RX.fullmatch(m[0]):
            break
        start = m.end()
        while start < end and text[start] in " \t":
            start += 1
    return start


# Words that start the next clause after an address ("... 88, 579 10 Žamberk instead of my old
# address", "... g. 98 in Panevėžys."): the address ended before them.
_CLAUSE = _w(
    """instead because since until please but so if when thanks which while though although
    as for from with and or not is was will would can could should in"""
)


def _before_next_clause(chunk: str, caseless: bool) -> str:
    seen_digit = False
    for m in re.finditer(r"\d|[^\W\d_]+", chunk):
        if m[0].isdigit():
            seen_digit = True
        elif seen_digit and m[0].casefold() in _CLAUSE and (caseless or m[0].islower()):
            return chunk[: m.start()].rstrip(" \t,;")
    return chunk


def _merge(text: str, cands: list[Cand]) -> list[Cand]:
    """Join address pieces that overlap or touch (only spaces or commas between them)."""
    strong = sorted(c for c in cands if c[0] == ADDRESS)
    merged: list[Cand] = []
    for c in strong:
        if merged and re.fullmatch(
            r"[\s,;.]*", text[merged[-1][2] : c[1]] if c[1] > merged[-1][2] else ""
        ):
            last = merged[-1]
            merged[-1] = (ADDRESS, last[1], max(last[2], c[2]))
        else:
            merged.append(c)
    return merged + [c for c in cands if c[0] != ADDRESS]


# --- postcodes ---------------------------------------------------------------------------------

ZIP_CUE = re.compile(
    r"(?i)\b(?:zip|postal code|post code|postcode|plz|cap|cep|c\.p\.?)(?: code)?\s*[:#]?\s*"
    r"(?:(?:is|was|is now|now|changed to|ist|lautet|est|es|è|er|är)\s+)?"
    rf"((?-i:{_POSTCODE}|[A-Z]{{1,3}}-?\d{{3,7}})|\d{{3,6}}(?:[- ]\d{{2,4}})?)(?!\w)"
)
US_STATE_ZIP = P.US_STATE_ZIP
# Postcodes with a national shape, written with one space or two: British, Canadian, Irish.
UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? {1,2}\d[A-Z]{2}\b")
CA_POSTCODE = re.compile(r"\b[A-Z]\d[A-Z] {1,2}\d[A-Z]\d\b")
EIRCODE = re.compile(r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W) {1,2}(?=[A-Z]*\d)[0-9AC-FHKNPRTV-Y]{4}\b")
# A place name (one to four words) then a postcode: "in Arendal 4844", "in Quinta de São Tiago
# 3610-114". The place stays readable (places are not masked), the postcode goes.
PLACE_CODE = re.compile(
    r"(?<![\w.,/-])(?:\d{5}|\d{4}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3} \d{2})(?![\w%/-]|[.,]\d)"
)


# A line that asks for a postcode, and the line that answers it with one alone
# ("Agent: And the postcode for the delivery?" / "Customer: 4276").
ZIP_ASKED = re.compile(r"(?i)\b(?:zip|postal code|post code|postcode|plz|cep)\b[^\n]*\?[ \t]*\n")
ZIP_ANSWER = re.compile(
    r"(?:[^\W\d_][\w ]{0,20}:[ \t]*)?"
    r"([A-Za-z]{0,2}\d[\dA-Za-z]{1,3}(?:(?: {1,2}|-)?\d?[\dA-Za-z]{2,4})?)"
    r"[ \t.]*(?=\n|$)"
)


def postcodes(text: str) -> list[Cand]:
    caseless = _is_caseless(text)
    out = [(ZIP, m.start(1), m.end(1)) for m in ZIP_CUE.finditer(text)]
    for asked in ZIP_ASKED.finditer(text):
        answer = ZIP_ANSWER.match(text, asked.end())
        if answer:
            out.append((ZIP, answer.start(1), answer.end(1)))
    out += [(ZIP, m.start(1), m.end(1)) for m in US_STATE_ZIP.finditer(text)]
    out += [(ZIP, m.start(), m.end()) for m in UK_POSTCODE.finditer(text)]
    out += [(ZIP, m.start(), m.end()) for m in CA_POSTCODE.finditer(text)]
    out += [(ZIP, m.start(), m.end()) for m in EIRCODE.finditer(text)]
    for m in PLACE_CODE.finditer(text):
        code = m[0]
        if re.fullmatch(r"(?:19|20)\d\d", code) or _NOT_POSTCODE.match(text, m.start()):
            continue  # a year, an amount
        words = text[max(0, m.start() - 60) : m.start()].split()
        place: list[str] = []
        found = False
        while words and len(place) <= 5:
            w = words.pop()
            if w.casefold() in ("in", "at", "near", "from", "to"):
                found = True
                break
            if not (w[0].isalpha() and (caseless or w[0].isupper() or w in _CONNECT)):
                break
            if w.upper() in P.CURRENCIES:
                break  # "to CHF 1299": an amount
            place.insert(0, w)
        if not found:
            continue
        if place and place[0].casefold() not in _STOP and place[0].casefold() not in _CONNECT:
            out.append((ZIP, m.start(), m.end()))
    return out
