"""Passwords, PINs and keys written in text, in English, German, French, Spanish, Italian,
Dutch, Portuguese and a few more languages.

A cue word ("password", "Kennwort", "mot de passe", "contraseña", "wachtwoord", "senha", "PIN",
"API-Schlüssel", "token", ...) and the value after it: only the value is masked. How sure the
value is a secret depends on how it is written:

* assigned (``password: X``, ``pw=X``, ``"password": "X"``, or quoted): any value but an
  ordinary word ("password: forgotten");
* with a verb (``my password is X``, ``das Passwort lautet X``, ``la contraseña es X``, ``set it
  to X``): the value must look like a secret (a digit, a symbol, or capitals inside it), so
  "my password is wrong" stays;
* right after the cue (``Passwort Geheim123abc``, ``my PIN 4821``): letters with digits or
  symbols, a PIN's 4 to 8 digits, a key of 12 characters or more;
* before it (``Gato1234 es mi contraseña``): letters with digits or symbols.

Also vendor key formats (``sk-...``, ``AKIA...``, ``ghp_...``, JWTs, private key blocks) and the
password in a link (``https://user:pw@host``). All of it reads the normalised text (`_normal`).
"""

from __future__ import annotations

import re

Span = tuple[int, int]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LOGIN = (
    r"password|passwd|pwd|pw|passcode|passphrase|pass ?word|"
    r"(?:[^\W\d_]+-?)?(?:passwort|kennwort)|zugangscode|zugangsdaten|"
    r"mot[ -]de[ -]passe|mdp|code d'acc[eè]s|code secret|code confidentiel|"
    r"contrase[ñn]a|contrasena|clave(?: de acceso| secreta)?|c[oó]digo de acceso|"
    r"parola d'ordine|codice (?:di accesso|segreto)|"
    r"(?:[^\W\d_]+-?)?wachtwoord|toegangscode|"
    r"senha|palavra[ -]passe|c[oó]digo de acesso|"
    r"l[oö]senord|adgangskode|passord|kodeord|has[lł]o|heslo|[sş]ifre|parola"
)
_PIN = (
    r"pin(?:[ -]?(?:code|nummer|number|nr\.?|kod|kode))?|code pin|c[oó]digo pin|codice pin|"
    r"pincode|pinkode?|kod pin|geheimzahl|geheimnummer"
)
# A card's security code: three or four digits.
_CVC = (
    r"cvv2?|cvc2?|(?:card )?security code|sicherheitscode|(?:karten)?pr[uü](?:e)?fnummer|"
    r"cryptogramme(?: visuel)?|code de s[eé]curit[eé]|c[oó]digo de seguridad|"
    r"codice di sicurezza|beveiligingscode|c[oó]digo de seguran[cç]a|cvv-?code"
)
_KEY = (
    r"api[ _-]?(?:key|token|secret|schl(?:ü|ue)ssel|sleutel)|"
    r"cl[eé] (?:d'|de l')?api|clave (?:de )?(?:la )?api|chiave (?:di |dell')?api|"
    r"chave (?:de |da )?api|"
    r"(?:access|auth|bearer|refresh|session|personal access)[ _-]?token|token|"
    r"(?:secret|private|access|signing|webhook|license|licence|product)[ _-]?key|"
    r"client[ _-]?secret|aws_secret_access_key|secret|authorization|"
    r"jeton(?: d'acc[eè]s)?|zugangs(?:token|schl(?:ü|ue)ssel)|(?:lizenz)?schl(?:ü|ue)ssel|"
    r"cl[eé](?: secr[eè]te)?|chiave(?: segreta)?|(?:geheime )?sleutel|chave(?: secreta)?"
)
_VERB = (
    r"is|was|are|ist|war|lautet|lautete|hei(?:ß|ss)t|est|[eé]tait|c'est|es|era|fue|[eèé]|"
    r"foi|wordt|werd|[aä]r|var|er|jest|to|auf|naar|para|en|in"
)
_NOW = (
    r"now|still|jetzt|nun|noch|immer noch|maintenant|toujours|ahora|todav[ií]a|ora|ancora|nu|"
    r"nog|agora|ainda"
)
_NEW = r"new|neues|neue|nouveau|nouvelle|nueva|nuevo|nuova|nuovo|nieuwe|nieuw|nova|novo"
_ARTICLE = r"the|el|la|lo|der|die|das|le|il|o|het|de"
_QUOTES = "\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\u2039\u203a`"
# A few words (for the portal, du compte, de mi cuenta) may come between the cue and the value.
_BETWEEN = (
    r"(?:\s+(?:for|of|on|to|f[uü]r|f[uü]rs|zum|zur|vom|von|de|du|des|pour|del|per|voor|van|"
    r"bij|do|da|dos|das|della|dello|dell'|di|in|im|auf|para)"
    rf"(?:\s+[^\s:=.,;!?{_QUOTES}]+){{1,3}}?(?=\s*[:=]|\s+(?:{_VERB})(?![^\W_])))?"
)
PHRASE = re.compile(
    rf"(?i)(?<![^\W_])(?:(?P<key>{_KEY})|(?P<cvc>{_CVC})|(?P<pin>{_PIN})|(?P<pw>{_LOGIN}))"
    rf"(?![^\W_])(?:\s+(?:{_NEW})(?![^\W_]))?[{_QUOTES}]?{_BETWEEN}"
    rf"(?:\s*(?P<assign>[:=]|=>|->|-(?=\s))|,?\s+(?:(?:{_NOW})\s+)?(?P<verb>{_VERB})(?![^\W_])"
    rf"(?:\s+(?:{_NOW})(?![^\W_]))?(?:\s*:)?(?:\s+(?:{_ARTICLE})(?=\s))?)?\s*"
    rf"(?:(?P<q>[{_QUOTES}])(?P<qval>[^{_QUOTES}\n]{{1,100}})[{_QUOTES}]"
    rf"|(?P<val>[^\s{_QUOTES}][^\s\"\u201c\u201d\u201e\u00ab\u00bb]{{0,199}}))"
)
_OWNER = (
    r"my|our|the|your|his|her|mein|meine|unser|unsere|das|der|die|mon|ma|notre|le|la|mi|su|"
    r"nuestra|el|il mio|la mia|mijn|onze|ons|het|de|a minha|o meu|minha|meu|mitt|min|moje"
)
BEFORE = re.compile(
    rf"(?i)(?<![^\s{_QUOTES}(])(?P<val>[^\s{_QUOTES}]{{4,100}})\s+"
    rf"(?:is|was|ist|war|est|[eé]tait|es|era|[eèé]|foi|[aä]r|er|jest)\s+(?:(?:{_OWNER})\s+)?"
    rf"(?:(?:{_NEW})\s+)?(?:(?P<pin>{_PIN}|{_CVC})|{_LOGIN}|{_KEY})(?![^\W_])"
)
TOKEN = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{16,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16}|"
    r"ASIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"AIza[0-9A-Za-z_-]{35}|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}|glpat-[\w-]{20})"
    r"|(?i:bearer|basic)\s+[\w.~+/-]{16,}=*"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
    re.DOTALL,
)
LINK = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+")
LINK_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@")

# The first word of every cue above, and the endings of compounds ("WLAN-Passwort" is two
# words, "Inlogwachtwoord" one): a text with none of them has no cue. Keep in step with the
# cue lists; tests/helpdesk/test_pii_secrets.py checks every cue of the secret table.
CUE_WORDS = _words(
    """password passwd pwd pw passcode passphrase pass passwort kennwort zugangscode
    zugangsdaten mot mdp code contraseña contrasena clave código codigo parola codice
    wachtwoord toegangscode senha palavra lösenord losenord adgangskode passord kodeord hasło
    haslo heslo şifre sifre pin pincode pinkod pinkode kod geheimzahl geheimnummer cvv cvv2 cvc
    cvc2 card security sicherheitscode prüfnummer pruefnummer kartenprüfnummer
    kartenpruefnummer cryptogramme beveiligingscode api clé cle chiave chave access auth bearer
    refresh session personal token secret private signing webhook license licence product
    client aws authorization jeton zugangstoken zugangsschlüssel zugangsschluessel
    lizenzschlüssel lizenzschluessel schlüssel schluessel sleutel geheime"""
)
_COMPOUND_ENDS = ("passwort", "kennwort", "wachtwoord")
_WORD = re.compile(r"[^\W\d_]+")


def _has_cue(text: str) -> bool:
    words = set(_WORD.findall(text.casefold()))
    return not words.isdisjoint(CUE_WORDS) or any(w.endswith(_COMPOUND_ENDS) for w in words)


def is_cue_word(word: str) -> bool:
    """Whether `word` is a secret's cue ("Passwort", "PIN", "WLAN-Passwort"): no name."""
    folded = word.casefold()
    return folded in CUE_WORDS or folded.endswith(_COMPOUND_ENDS)


# Words that follow a cue without being its value ("password: forgotten", "PIN: see below").
ORDINARY = _words(
    """the a an my your our his her their this that it is was not none null n/a na nil empty
    blank same below above attached here there required incorrect wrong invalid expired reset
    forgotten forgot changed correct ok okay please and or but for to with unknown missing
    hidden sent works working link field page again too also still now see check look ask
    call follows following unchanged default as in on at
    der die das den dem ein eine mein meine dein ihr ist war nicht kein keine falsch vergessen
    abgelaufen geändert gesperrt leer siehe unten oben anbei bitte und oder zurücksetzen
    ungültig korrekt richtig funktioniert noch
    le la les un une mon ma mes votre est était pas oublié incorrect invalide expiré changé
    bloqué vide voir ci-dessous ci-joint svp merci et ou
    el los las una mi su es era no olvidada olvidado incorrecta incorrecto inválida caducada
    cambiada bloqueada vacía ver abajo adjunto por favor y o
    il lo gli mio mia è non dimenticata errata sbagliata scaduta cambiata bloccata vuota vedi
    sotto allegato per favore e
    het een mijn uw niet geen vergeten onjuist fout verlopen gewijzigd geblokkeerd leeg zie
    hieronder bijgevoegd alstublieft en of
    o os as um uma meu minha é não esquecida errada incorreta expirada alterada bloqueada
    vazia abaixo anexo"""
)
# Cue words that are ordinary words too (Spanish "clave" is also "the key point"): even after a
# colon, their value must look like a secret.
WEAK_CUES = _words("clave clé cle chiave chave sleutel schlüssel schluessel secret token parola")
_SYMBOLS = frozenset("!#$%&*+/=?@^_~-.,;:()[]{}<>|\\")
_TRAILING = ".,;:!?)]}>"
_HEX = re.compile(r"[0-9a-fA-F]{16,}")


def _looks_secret(value: str) -> bool:
    """Not a word: a digit, a symbol between characters, or a capital inside it."""
    if len(value) < 4:
        return False
    letters = any(c.isalpha() for c in value)
    digits = any(c.isdigit() for c in value)
    inner = value[1:-1]
    symbols = any(c in _SYMBOLS for c in inner) and (letters or digits)
    caps = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return digits or symbols or caps


def _mixed(value: str) -> bool:
    """Letters with digits or symbols: a password typed without any assignment."""
    letters = any(c.isalpha() for c in value)
    return letters and (any(c.isdigit() for c in value) or any(c in _SYMBOLS for c in value))


def _accept(kind: str, mode: str, value: str) -> bool:
    """Whether `value`, after a cue of `kind` written in `mode`, is a secret."""
    if value.casefold() in ORDINARY or not value:
        return False
    pin_digits = value.isdigit() and 3 <= len(value) <= 12
    if kind in ("pin", "cvc"):
        if mode == "direct":
            return value.isdigit() and (3 if kind == "cvc" else 4) <= len(value) <= 8
        return pin_digits or _looks_secret(value)
    if mode == "assign":
        return len(value) >= (6 if kind == "key" else 3)
    if mode == "verb":
        return _looks_secret(value) and len(value) >= (8 if kind == "key" else 4)
    if kind == "key":
        return len(value) >= 12 and (_mixed(value) or _HEX.fullmatch(value) is not None)
    return len(value) >= 6 and _mixed(value)


def _value(m: re.Match[str], kind: str) -> tuple[str, int, int] | None:
    """The mode, and the span of the value without the punctuation that ends a sentence."""
    if m["qval"] is not None:
        start, end = m.span("qval")
        mode = "assign"
    else:
        start, end = m.span("val")
        mode = "assign" if m["assign"] else "verb" if m["verb"] else "direct"
        if mode == "direct" and not m.string[start - 1].isspace():
            return None  # "password-reset", "/mdp/": one word, no value
    if mode == "assign" and m[kind].casefold() in WEAK_CUES:
        mode = "verb"
    while end > start and m.string[end - 1] in _TRAILING:
        end -= 1
    return (mode, start, end) if end > start else None


# The rest of a passphrase typed with spaces ("Passwort: Tanne 123", "is Sommer 2024!"): up
# to three more words on the line, each holding a digit or a symbol.
_MORE_WORDS = re.compile(r"(?: [^\s]*[\d!#$%&*+=?@^_~][^\s]*){1,3}")


def _passphrase_end(text: str, end: int) -> int:
    more = _MORE_WORDS.match(text, end)
    if more is None:
        return end
    stop = more.end()
    while stop > end and text[stop - 1] in _TRAILING:
        stop -= 1
    return stop


def _in_link(links: list[Span], pos: int) -> bool:
    return any(a <= pos < b for a, b in links)


def secrets(text: str) -> list[Span]:
    """Spans of secrets written in the normalised `text`, line by line: a cue on one line
    does not take the next line's first word for its value ("...Passwort\nKennwort = X")."""
    if "\n" not in text:
        return _line_secrets(text)
    out: list[Span] = []
    start = 0
    for line in text.split("\n"):
        out += [(start + a, start + b) for a, b in _line_secrets(line)]
        start += len(line) + 1
    return out


def _line_secrets(text: str) -> list[Span]:
    out = [m.span() for m in TOKEN.finditer(text)]
    out += [m.span(1) for m in LINK_PASSWORD.finditer(text)] if "://" in text else []
    if not _has_cue(text):
        return out
    links = [m.span() for m in LINK.finditer(text)]
    for m in PHRASE.finditer(text):
        kind = next(k for k in ("pw", "pin", "cvc", "key") if m[k])
        found = _value(m, kind)
        if found is None:
            continue
        mode, start, end = found
        if _in_link(links, m.start()) and mode != "assign":
            continue  # a word of a link ("/reset-password-help"), not a cue; "?pw=x" is
        if m["qval"] is None and text[start:end].casefold() not in ORDINARY:
            end = _passphrase_end(text, end)
        if _accept(kind, mode, text[start:end]):
            out.append((start, end))
    for m in BEFORE.finditer(text):
        if _in_link(links, m.start()):
            continue
        value = m["val"].rstrip(_TRAILING)
        if _mixed(value) or (m["pin"] and value.isdigit() and 4 <= len(value) <= 8):
            out.append((m.start("val"), m.start("val") + len(value)))
    return out
