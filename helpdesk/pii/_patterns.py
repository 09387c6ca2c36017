"""Regular expressions and word lists used by the detectors."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                   r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]\d)")  # fmt: skip
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])")
SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])")
SSN_CUE = re.compile(r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\W{0,5}(\d{9})\b")
DL = re.compile(
    r"(?i)\b(?:driver'?s?'? licen[cs]e|licen[cs]e|DL)(?: (?:number|no\.?|#))?\s*(?:is|:|#)?\s*"
    r"([A-Z0-9](?:[A-Z0-9-]{3,18})[A-Z0-9])\b"
)
PHONE_ANY = re.compile(
    r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?|\(\+\d{1,3}\)[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
    r"(?:\d{1,4}(?:[ .-]\d{2,8}){1,5}|\d{7,15}|0\d{1,4}/\d{4,10}"
    r"|00\d{1,3}[ .-]\d{1,4}(?:[ .-]\d{2,8}){1,4})"  # "00421 2 49452471": 00, a country code
    r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])"
)
PHONE_CUE = re.compile(
    r"(?i)\b(phone|call|tel|mobile|cell|fax|whatsapp|sms|text me|reach|answering|messages|"
    r"contact|number|registered|dial|ring|desk|landline|extension|nummer|numero|número|numéro|numer|mobil|móvil|"
    r"celular|cellulare|cellulaire|portable|handy|puhelin|tlf|tél|telf|kontakt|gsm|cel|reachable)"
    r"(?:e?phon\w*|efon\w*|[eé]fono|éphone|ed|ing|s|ular|nummer|number|no|e)?\b\W{0,3}"
    r"(?:\w+\W+){0,4}$"
    # a one-letter label of a signature line: "M: ", "T. ", "Tel: "
    r"|(?:^|\n)[ \t]*(?:[MTHWFP]|Mob|Tel)[.:][ \t]*$|[\u260e\u2706\U0001f4de\U0001f4f1][ \t]*$"
    # "I'm on 07700 900123", "Text 0871234567" (a sentence's first word): no words between
    r"|\b(?:i'?m|i am)[ \t]+on[ \t]+$|(?:^|[.!?\n][ \t]*)text[ \t]+$"
)
# "0732/06792470": an area code with its trunk zero, a slash, the number (German-speaking).
AREA_CODE_SLASH = re.compile(r"0\d{1,4}/\d{4,10}")
# "0855797543": ten or eleven digits after one trunk zero, as a national number is dialled.
TRUNK_NATIONAL = re.compile(r"0[1-9]\d{8,9}")
PHONE_EXTENSION = re.compile(r"(?i)\s?(?:x|ext\.?|extension)\s?\d{1,5}$")
# A trunk prefix before an area code in brackets: "8 (495) 123-45-67", "0 (212) 555 12 12".
PHONE_TRUNK = re.compile(r"(?<![\w+.-])[018][ \t]?$")
# A phone word right after the number: "0573903343 is my cell", "422.289.1563 (mobile)".
PHONE_CUE_AFTER = re.compile(
    r"(?i)[ \t]*(?:\((?:mobile|mob|cell|home|work|office|landline|fax|whatsapp|tel|private)\)"
    r"|(?:is|=)[ \t]+(?:my|our|the|his|her)[ \t]+(?:\w+[ \t]+)?"
    r"(?:cell|mobile|number|phone|landline|fax|whatsapp|direct line)\b)"
)
NOT_PHONE_CUE = re.compile(
    r"(?i)\b(?:order|ticket|invoice|reference|ref|tracking|account|case|sku|serial|part|model|"
    r"item|article|artikel|bestellung|rechnung|commande|facture|pedido|factura|ordine|fattura)\b"
)
# Words of a business reference, never of a street, postcode or phone ("order ZX-99120",
# "Bestellung 4471").
BUSINESS_WORDS = _words(
    "order invoice ticket case ref reference tracking receipt account bestellung rechnung "
    "commande facture pedido factura ordine fattura bestelling factuur ordre faktura zamówienie"
)

# An amount of money ("CHF 79.00", "49 CAD", "€ 12"): never part of an address or a name.
CURRENCIES = _words(
    "USD EUR GBP CHF CAD AUD NZD JPY CNY INR BRL MXN ARS CLP COP PEN UYU SEK NOK DKK ISK PLN "
    "CZK HUF RON BGN RSD TRY RUB UAH ILS ZAR SGD HKD KRW IDR MYR THB PHP VND AED SAR"
)
_CURRENCY = "|".join(sorted(CURRENCIES))
AMOUNT = re.compile(
    rf"(?:\b(?:{_CURRENCY})|[€$£¥₹₺₽])[ \t]?\d|\d[ \t]?(?:(?:{_CURRENCY})\b|[€$£¥₹₺₽])"
)

# "2026-74382": a reference numbered within a year (a case, an order), not a phone number.
YEAR_REFERENCE = re.compile(r"(?:19|20)\d\d[-/]\d{4,6}")
DATEISH = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
STREET_SUFFIX = (
    r"street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|place|pl|"
    r"terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|close|"
    r"alley|row|plaza|path|pike|loop|walk|ridge|grove|gardens|mews|hill|park|view|point|heights"
)
SUFFIXES = frozenset(STREET_SUFFIX.split("|")) | _words(
    "union route mall loop gateway bypass greens radial turnpike extensions fpo apo dpo"
)
ADDR_US = re.compile(
    rf"(?i)\b\d{{1,6}}[a-z]?\s+(?:[\w'.-]+\s+){{0,4}}?(?:{STREET_SUFFIX})\b\.?"
    r"(?:,?\s*(?:apt|suite|ste|unit|#)\.?\s*\w+)?"
)
ADDR_EU = re.compile(
    r"(?:\b(?:Via|Viale|Piazza|Corso|Rue|Avenue|Calle|Avenida|Rua|Carrer|Plaza|Chemin|Ulica|ul\.)"
    r"\s+(?:[\w'.-]+\s+){0,3}?\d{1,5}[a-zA-Z]?"
    r"|\bP\.?\s?O\.?\s+Box\s+\d{1,6}"
    r"|\b[^\W\d_][\w'-]*\s(?:stra(?:ss|ß)e|weg|gasse|allee|platz|vej|gade|u\.|utca|út)\s+\d{1,5}[a-zA-Z]?"
    r"|\b[^\W\d_][\w'-]*(?:stra(?:ss|ß)e|str\.|stræti|weg|gasse|allee|platz|ring|vej|gade|katu|tie|"
    r"gatan|vägen|veien|gata|gate|laan|straat|plein|utca|ulica|cesta|iela|tee|polku|kuja)"
    r"\s+\d{1,5}[a-zA-Z]?)(?:,?\s*(?:apt|suite|ste|unit|#)\.?\s*\w+)?",
    re.IGNORECASE,
)
ADDR_MIL = re.compile(
    r"\b(?:Unit|PSC|USNS|USS|USNV|USCGC)\s+\d+,?\s+Box\s+\d+\s*,?\s*(?:DPO|APO|FPO)\s+A[AEP]\s+\d{5}"
)
ADDR_NUM = re.compile(r"\b\d{3,6}\s+(?:[^\W\d_a-z][^\W\d_]+\s+){1,3}\d{1,5}[a-zA-Z]?\b")
ADDR_NEXT = re.compile(
    r"(?:[ \t]*(?:[,\n][ \t]*)+|[ \t]+)((?i:apt|suite|ste|unit|box|fl|floor)\.?\s*\w+|nan|"
    r"[^\W\d_a-z][^\W\d_]*\.?(?:[ \t][^\W\d_a-z][^\W\d_]*\.?){0,3}"
    r"|\d{3,6}(?:[- ]\d{2,4})?)(?![\w:])"
)
ADDR_CUE = re.compile(
    r"(?i)\b(?:address(?:es)?\b[^.\n:]{0,40}?(?:\bis\b|:(?=\s))|located at|lives? at|living at|"
    r"drops? you off at|ship(?:ped)? (?:it )?to|deliver(?:ed)? (?:it )?to|send it to|moved to|"
    r"(?:drop|come|stop|swing) by|pick (?:it )?up (?:at|from))"
    r"[ \t]*\n?[ \t]*"
)
SENT_END = re.compile(r"[.!?](?=\s+[A-Z]|\s*$)|\?|!|\n\s*\n")
US_STATE_ZIP = re.compile(
    r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|"
    r"S[CD]|T[NX]|UT|V[AT]|W[AIVY]),?\s+(\d{5}(?:-\d{4})?)\b",
    re.IGNORECASE,
)
TITLE = r"(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|mme|mlle|herr|frau)\.?"
NAME_TOKEN = r"[^\W\d_][^\W\d_'\u2019-]*(?:-[^\W\d_]+)?"  # noqa: S105
CAP = r"(?:[^\W\d_a-z][^\W\d_]*(?:-[^\W\d_]+)?)"
INITIAL = r"(?:[^\W\d_a-z]\.?)"
TITLE_NAME = re.compile(rf"(?i)\b{TITLE}\s+({NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,2}})")
CUE_NAME = re.compile(
    r"(?:\b(?i:my name is|name is|names? (?:is|are)|i am|i'm|this is|call me|named|called|"
    r"dear|hi|hello|hey|thanks|thank you|regards|sincerely|cheers|best|signed|from|name:|"
    r"customer:|partner's name|kid|son|daughter|wife|husband|add|with|by|to|and|of)[,:]?\s+)"
    rf"({CAP}(?:[ \t]+(?:{INITIAL}[ \t]+)?{CAP}){{0,2}})"
)
STRONG_CUE = re.compile(
    r"(?i:\b(?:my name is|my name's|name is|i am|i'm|this is|call me|named|called|last name\??|"
    r"first name\??|it's under|under the name|name on the account is|user:|signed|regards,|"
    r"sincerely,|cheers,|dear|hi|hello|thanks,|thank you,))[ \t]+"
    rf"({CAP}(?:[ \t]+(?:{INITIAL}[ \t]+)?{CAP}){{0,2}}"
    r"|(?i:(?<=my name is )|(?<=call me ))[^\W\d_]+(?: [^\W\d_]+)?)"
)
_CAPW = r"[^\W\d_a-z][^\W\d_]*(?:['\u2019-][^\W\d_]+)*"
_ANYW = r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*"
LIST_ITEM = re.compile(rf"(?<![\w'\u2019-])(?:{_CAPW}(?:[ \t]+{_CAPW})?|{_ANYW})(?![\w'\u2019-])")
_ITEM = LIST_ITEM.pattern
# "A, B and C", "A and B", "A, B, C": items of one word, or two capitalised words.
NAME_LIST = re.compile(
    rf"{_ITEM}(?:[ \t]*,[ \t]*{_ITEM})*,?[ \t]+(?:and|&|or)[ \t]+{_ITEM}"
    rf"|{_ITEM}(?:[ \t]*,[ \t]*{_ITEM}){{2,}}"
)
SPEAKER = re.compile(rf"(?m)^[ \t]*({CAP}(?: {CAP})?):[ \t]+\S")
WORD = re.compile(rf"{CAP}(?:[ \t]+(?:{INITIAL}[ \t]+)?{CAP}){{0,3}}|[^\W\d_]+")

# Capitalised English words that are also census first names, or are cue words themselves.
STOP = _words(
    """a an and are art as at be best but by can chance christian dawn day dean del don else
    faith for from golden grace grant guy ha he her hi his hope hunter i in is it its jack joy
    june april august ken king lane le long love major man mark may me my no not of on or our
    page pat penny ray rose see she so sue summer sandy the this to van von we will with you
    young hello hey dear thanks thank regards sincerely cheers signed customer phone email
    e-mail website address note zip personal info name names mr mrs ms dr please sir madam
    monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december christmas easter god lord bot user agent system
    assistant when where what who why how which there then here"""
)
# Closings and thanks of letters in several languages: words beside a name, never one.
CLOSINGS = _words(
    """grüße grüsse gruß gruss liebe viele beste freundliche herzliche merci cordialement
    salutations saludos atentamente abrazos saluti cordiali distinti groeten groet mvg mvh
    hilsen hälsningar pozdrawiam pozdravy pozdravom pozdrav üdvözlettel salam terima kasih
    obrigado obrigada cumprimentos gracias grazie danke dank tack kiitos takk pozdravem
    pozdravi pozdrowienia děkuji dekuji díky diky köszönöm köszönettel teşekkürler tesekkurler
    mulțumesc multumesc dziękuję dziekuje ačiū aciu paldies aitäh aitah hvala vriendelijke
    cordiales cordiali cordialmente ystävällisin terveisin hälsningar venlig grüßen grüssen"""
)
# Greetings in the languages customers write in ("Dobrý den", "Bună ziua", "Tere!"): several
# are given names somewhere too, but at a message's start they greet.
GREETINGS = _words(
    """hello hi hey hallo hallå hej hei moi terve tere labas laba labdien sveiki dobrý dobry
    dobrá dobra dobar dobré dzień dzien cześć czesc ahoj zdravo zdravím zdravim bok živjo
    zivjo pozdravljeni bună buna ziua salut bonjour bonsoir coucou hola buenos buenas olá ola
    oi bom boa buongiorno buonasera ciao salve goedemorgen goedemiddag goedenavond goedendag
    moin servus grüezi gruezi grüß griaß goddag hyvää päivää jó napot szia helló merhaba
    selam g\u00fcnayd\u0131n gunaydin halo hai selamat pagi siang sore malam sawubona"""
)
STOP |= CLOSINGS | GREETINGS
# Weekdays and months written short ("Thu, 20 Dec"): no name beside a date.
DATE_WORDS = _words(
    """mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct
    nov dec"""
)
# Capitalised words common in support text that are also census surnames.
COMMON = _words(
    """about after again also back bank best black blue both bill call card case check
    city close cost could country court cross dear does down each early east even ever
    every field first five four free from full gold good great green hall hand happy hard
    have help here high hill home house hunt just keep king last late left less light like
    line little live long look love made main make many march mark mason miller more most
    much must near need never next night north open order other over page park part pass
    plan please point post power press price rich right river road rock room rose round
    same save says send service shall short should side small some south spring stand
    start state still stone store street such sure take than that their them then there
    these they thing think this those three time today total town under union very wait
    walker want ward water well were west what when where which while white will with
    wood word work world would year young your account address amount apple august
    online mobile support team system thanks number money people music church school
    street avenue bridge general glass golden grace hope joy lane major mill new power
    royal saint silver sweet civil labor wisdom greek english shadow mission statement
    carry suite route union mall loop gateway bypass greens radial turnpike opus"""
)
# Census first names (and places) that are mostly ordinary words: no name when alone.
ORDINARY = _words(
    """many season soon son song miss america star al ok china india miles jesus numbers sun
    lady german brain france spring rich gay carry winter queen royal paris forest era tiny
    desire hang bell moon asia max ma un virginia marine princess hong junior santa angeles
    francisco sydney carolina georgia florida israel dallas houston denver cleveland orlando
    columbus nevada dakota kenya milan geneva argentina jordan charity angel temple chase
    diamond kit na marry buddy crystal angle honey glory liberty precious manual candy clay
    autumn mercy alpha noble patience cherry destiny marvel sunshine pearl lean sterling
    harmony cliff olive bee fairy reed sunny dot echo buck chin bo ta vi mi ai li min sang
    hung les pa ed ward foster rob drew bud rod mac dick walker cole kent cruz sierra delta
    brooks stewart lincoln dakota london berlin vienna rome madrid lisbon dublin prague
    warsaw athens cairo tokyo beijing delhi moscow kiev oslo stockholm helsinki copenhagen
    amsterdam brussels zurich toronto vancouver chicago boston phoenix austin memphis
    nashville atlanta miami seattle portland detroit apple amazon google microsoft tesla
    siri alexa echo kindle galaxy pixel surface office teams outlook windows android
    sunday monday tuesday wednesday thursday friday saturday"""
)
LABEL_WORDS = _words(
    "phone e-mail email website address note zip info subject from to cc date re fax mobile "
    "desk work home office tel cell "
    "user agent customer system action ssn pin id order total name inject attn attention "
    # e-mail headers as mail programs write them in several languages
    "sent bcc reply-to von gesendet an betreff envoyé objet enviado para asunto inviato "
    "oggetto verzonden aan onderwerp skickat från till ämne"
)
