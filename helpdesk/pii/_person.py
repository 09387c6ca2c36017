"""Person names: name words from the lexicons, surname shapes, cue words, lists and repeats.

A run of capitalised words (with initials and particles such as "van", "de") is a name when
one of its words is a given name, a known surname or has a surname ending (-ov, -sson, -ić,
...); a rare capitalised word alone is a name only with evidence around it (a cue word before,
a person verb after, a list or repeat of a found name). Text written without capitals is
read with the lexicons only, and more strictly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from . import _lexicon as L
from . import _patterns as P
from ._address import EU_TYPES, US_TYPES
from ._base import PERSON

Cand = tuple[str, int, int]


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Street types that end a name run ("Inna Loop St" is a street); not those that are also
# common surnames ("Grace Park", "Tom Ford").
STREET_WORDS = (P.SUFFIXES | {w for w in US_TYPES if len(w) >= 4} | EU_TYPES) - _w(
    """
    park hill hills ford field fields mill mills green brook brooks wells well glen dale wood
    woods ridge rose banks bush cross ferry fort forest grove haven king lake lane mount parks
    pine pines port rich river rivers rock shore spring springs stone villa wall ward vale
    valley view walker
    """
)

# Words; an apostrophe joins only before a capital (O'Brien, D'Angelo; not I'm, Anna's).
TOKEN = re.compile(r"[^\W\d_]+(?:(?:-|['\u2019](?=[^\W\d_a-z]))[^\W\d_]+)*")
PARTICLES = _w(
    """
    van von de der den del della di da dos das du la le ten ter bin ibn al el mac af zu
    """
)
SURNAME_END = re.compile(
    r"(?:ov|ova|ev|eva|ski|ska|sky|cki|cka|dzki|wicz|owicz|ewicz|vić|vič|ić|ič|sson|sdóttir|"
    r"dóttir|dottir|sen|ssen|berg|bergh|ström|strom|qvist|kvist|inen|ainen|shvili|dze|adze|"
    r"yan|enko|chuk|czuk|escu|poulos|akis|oğlu|oglu|ová|ská|ovich|evich|yev|yeva|iev|ieva|"
    r"mann|stein|aitė|ienė|utė|ytė|ovs|ins|iņš|ssdottir)$"
)
# Words after a name that say it is a person (not a place or a product).
PERSON_AFTER = re.compile(
    r"(?i)^(?:'s\b|\u2019s\b|\s+(?:said|says|shouted|asked|told|replied|wrote|writes|lives|lived|"
    r"works|worked|began|begins|was born|died|married|smiled|laughed|called|emailed|texted|"
    r"thinks|thought|knows|knew|wants|wanted|gave|gives|had given|has given|is my|was my|"
    r"is from|was from|is very|was very|is a huge|was a huge|and i|and me|himself|herself|"
    r"here again|here,|here\.|back\b(?=[ \t]*[?.!,]|[ \t]+(?:on|at|today|tomorrow|asap))"
    r")(?!\w))"
)
PERSON_BEFORE = re.compile(
    r"(?i)(?:\b(?:says|said|told|asked|ask|tell|met|meet|thank|thanks|named|called|"
    r"kid|son|daughter|wife|husband|mother|father|mom|dad|brother|sister|friend|colleague|"
    r"boss|manager|agent|gender of|name is|surname is|maiden name is|follow up with|"
    r"speak to|speak with|talk to|talk with|talked to|talked with|spoke to|spoke with|"
    r"contact|cc|attn|attention|ex-\w+|call|ask for|account holder|holder|kontoinhaber|"
    r"titular|titulaire|intestatario|rekeninghouder)|\bby)\s+$"
)
ORG_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:inc|llc|ltd|corp|corporation|company|co|group|gmbh|ag|plc|sa|bv|oy|ab|"
    r"bank|university|foundation|institute|associates|partners|technologies|solutions|systems|"
    r"services|labs|studios|airlines|hotel|hospital|school|college|street|st|road|avenue)\b\.?",
    re.IGNORECASE,
)
PARTICLE_HYPHEN = re.compile(r"(?:al|el|ad|ar|as|an|at|az|bin|ibn|abu|ben|de|di|da|van|von)-\w")
SINGLE_ZIPF = 3.2  # see _decide
INITIAL_GAP = re.compile(r"\.?[ \t]+")
WORD_GAP = re.compile(r"[ \t]+")


@cache
def fold(word: str) -> str:
    """Lower case without accents (Jožef -> jozef, Łukasz -> lukasz)."""
    w = word.casefold()
    for a, b in (("ł", "l"), ("đ", "d"), ("ø", "o"), ("æ", "ae"), ("œ", "oe"), ("ð", "d"),
                 ("þ", "th"), ("ß", "ss"), ("\u0131", "i")):  # fmt: skip
        w = w.replace(a, b)
    return "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))


@cache
def given(word: str) -> bool:
    w = word.casefold()
    if w in P.STOP or w in P.COMMON or len(w) < 2:
        return False
    return L.is_given(w) or L.is_given(fold(w))


@cache
def surname(word: str) -> bool:
    w = word.casefold()
    if w in P.STOP or w in P.COMMON or len(w) < 3:
        return False
    if L.is_common(w):
        return False
    if L.is_surname(w) or L.is_surname(fold(w)):
        return True
    return len(w) >= 5 and SURNAME_END.search(w) is not None and L.is_rare(w)


@cache
def foreign(word: str) -> bool:
    """Spelt with non-English Latin letters (Šárka, Ottová, Tómas)."""
    return len(word) >= 3 and any("\u00c0" <= ch <= "\u024f" for ch in word)


@cache
def rare(word: str) -> bool:
    return L.is_rare(word) and L.is_rare(fold(word))


def _cap(word: str) -> bool:
    return word[0].isupper() and not (len(word) > 1 and word.isupper() and len(word) <= 3)


def _sentence_start(text: str, pos: int) -> bool:
    return re.search(r"(?:^|[.!?:;\n\"(]\s*|^\s*)$", text[max(0, pos - 3) : pos]) is not None


class _Tok:
    __slots__ = ("end", "start", "word")

    def __init__(self, m: re.Match[str]) -> None:
        self.word, self.start, self.end = m[0], m.start(), m.end()


def _runs(text: str, toks: list[_Tok], caseless: bool) -> list[list[_Tok]]:
    """Runs of name-like words joined by spaces (or an initial's dot), on one line."""
    runs: list[list[_Tok]] = []
    cur: list[_Tok] = []

    def member(t: _Tok) -> bool:
        w = t.word
        if len(w) == 1:
            return w.isupper() or caseless
        if caseless:
            return not L.is_common(w) or given(w) or (surname(w) and L.zipf(w) < 4.0)
        return _cap(w) or PARTICLE_HYPHEN.match(w) is not None

    for t in toks:
        ok = member(t) or (bool(cur) and t.word.casefold() in PARTICLES)
        if ok and cur:
            gap = text[cur[-1].end : t.start]
            joined = WORD_GAP.fullmatch(gap) or (
                len(cur[-1].word) == 1 and INITIAL_GAP.fullmatch(gap)
            )
            if not joined:
                runs.append(cur)
                cur = []
        if ok:
            cur.append(t)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    out = []
    for run in runs:
        while run and run[-1].word.casefold() in PARTICLES:
            run = run[:-1]
        if run:
            out.append(run)
    return out


def is_weak(word: str) -> bool:
    """A cue, label or common word that is no name by itself."""
    w = word.casefold()
    return w in P.STOP or w in P.LABEL_WORDS or w in P.ORDINARY or (L.is_common(w) and not given(w))


def _namey(word: str) -> bool:
    """In a name lexicon (even if also a common word), or rare, or foreign-spelt."""
    w = word.casefold()
    return (
        L.is_given(w) or w in L.census_first_all() or L.is_surname(w) or w in L.census_last_all()
        or rare(word) or foreign(word)
    )  # fmt: skip


_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_]+)")


def _with_surname_before_verb(text: str, run: list[_Tok]) -> list[_Tok]:
    """A given name, then a word the lexicons call common, then a person verb: the word is
    the surname ("lisa green wrote:")."""
    nxt = _NEXT_WORD.match(text, run[-1].end)
    if not nxt or not given(run[-1].word) or not PERSON_AFTER.match(text[nxt.end() :]):
        return run
    return [*run, _Tok(TOKEN.match(text, nxt.start(1)))]  # type: ignore[arg-type]


def _decide(text: str, run: list[_Tok], caseless: bool) -> list[_Tok] | None:
    """The part of a run that is a person's name, or None."""
    low_words = [t.word.casefold().rstrip(".") for t in run]
    cut = [i for i, w in enumerate(low_words) if w in STREET_WORDS]
    if cut:
        if cut[0] < 2:
            return None  # "Inna Loop St" is a street, not a person
        run = run[: cut[0]]
    if caseless:
        run = _with_surname_before_verb(text, run)
        full = [t.word for t in run if len(t.word) > 1 and t.word.casefold() not in PARTICLES]
        before = text[max(0, run[0].start - 40) : run[0].start]
        after = text[run[-1].end : run[-1].end + 24]
        evidence = bool(PERSON_BEFORE.search(before) or PERSON_AFTER.match(after))
        return run if full and _caseless_name(full, evidence) else None
    # Cue and common words at the edges ("The", "Hi", "Thanks") are not part of the name,
    # except a name-like one next to an initial or a surname ("Ken N. Fukuda", "Zoe Young").
    while len(run) > 1 and is_weak(run[0].word):
        nxt = run[1].word
        first = run[0].word.casefold()
        name_like = (
            first not in P.STOP and (L.is_given(first) or rare(first) or first in PARTICLES)
        ) or (
            first in L.census_first_all() and L.zipf(first) < 5.0 and first not in P.ORDINARY
        )  # "Ken N. Fukuda", not "My FaceId"
        if name_like and (len(nxt) == 1 or surname(nxt) or rare(nxt)):
            break
        run = run[1:]
    # A trailing capital without a dot is the pronoun "I" or a stray letter, not an initial.
    while len(run) > 1 and len(run[-1].word) == 1 and not text.startswith(".", run[-1].end):
        run = run[:-1]
    while (
        len(run) > 1
        and is_weak(run[-1].word)
        and run[-1].word.casefold() not in L.census_last_all()
        and run[-2].word.casefold() not in PARTICLES  # "Pierre De Cock"
    ):
        run = run[:-1]
    if not run or (len(run) == 1 and is_weak(run[0].word) and not _evidence(text, run)):
        return None
    words = [t.word for t in run]
    full = [w for w in words if len(w) > 1 and w.casefold() not in PARTICLES]
    if not full:
        return None
    if ORG_AFTER.match(text, run[-1].end) and not given(full[0]):
        return None
    at_start = _sentence_start(text, run[0].start)
    evidence = _evidence(text, run)
    if len(full) > 1 or len(words) > len(full):
        if any(given(w) or surname(w) for w in full) or all(rare(w) or foreign(w) for w in full):
            return run
        if any(len(w) == 1 for w in words) and any(_namey(w) for w in full):
            return run  # "Ravil G Yefimov"
        if full[0].casefold() in L.census_first_all() and _namey(full[-1]):
            return run
        return run if evidence and all(_namey(w) for w in full) else None
    w = full[0]
    # Alone, a name word that is also a fairly common English word ("Billing", "Oslo") needs
    # the census first-name list or a cue; rarer ones go by the lexicons.
    low = w.casefold()
    weak = plain(w) and not evidence
    if given(w) and not weak and (not at_start or low not in P.ORDINARY):
        return run
    if surname(w) and not weak and (rare(w) or not at_start or evidence):
        return run
    if foreign(w) and (not at_start or evidence):
        return run
    if evidence and _namey(w) and low not in P.STOP - P.GREETINGS and L.zipf(w) < 4.5:
        return run  # "Hi, Ola here again": a greeting elsewhere, a name here
    return None


def plain(word: str) -> bool:
    """A fairly common English word that is a name only in the wider lexicons ("Billing")."""
    return L.zipf(word) >= SINGLE_ZIPF and word.casefold() not in L.census_first()


def _evidence(text: str, run: list[_Tok]) -> bool:
    before = text[max(0, run[0].start - 40) : run[0].start]
    after = text[run[-1].end : run[-1].end + 24]
    return bool(PERSON_BEFORE.search(before) or PERSON_AFTER.match(after))


def _caseless_name(full: list[str], evidence: bool) -> bool:
    """Lexicon-only decision for text written without capitals."""
    names = [w for w in full if given(w) or surname(w)]
    if not names:
        return evidence and all(rare(w) for w in full)
    if len(full) > 1 and len(names) >= len(full) - 1:
        if evidence and given(full[0]):
            return True  # "on monday lisa green wrote:"
        if all(L.zipf(w) < 5.0 for w in full):
            return any(L.zipf(w) < 3.8 for w in full) or evidence
    w = full[0]
    # After "my wife", before "wrote": any given name, however common a word it also is.
    return (given(w) and (L.zipf(w) < 3.3 or evidence)) or (evidence and L.zipf(w) < 4.6)


def _caseless(text: str) -> bool:
    return not any(c.isupper() for c in text) or not any(c.islower() for c in text)


def persons(text: str) -> list[Cand]:
    toks = [_Tok(m) for m in TOKEN.finditer(text)]
    if not toks:
        return []
    caseless = _caseless(text)
    out: list[Cand] = []
    for run in _runs(text, toks, caseless):
        name = _decide(text, run, caseless)
        if name:
            out.append((PERSON, name[0].start, name[-1].end))
    return out


# A letter's sign-off alone on its line, then a line of one to three capitalised words: the
# writer's name, even when its words are ordinary ones ("Regards,\nHunter Mason").
SIGNED = re.compile(
    r"(?m)^[ \t]*(?P<closing>[^\W\d_][^\n]{0,38}?|--)[ \t]*[,.!:]?[ \t]*\n"
    rf"[ \t]*(?P<name>{P.CAP}(?:[ \t]+(?:{P.INITIAL}[ \t]+)?{P.CAP}){{0,2}})"
    r"[ \t]*(?:$|[|,\u00b7\u2022\u2013/][^\n]*$)"
)
SIGN_OFF_WORDS = P.CLOSINGS | _w(
    "regards wishes thanks cheers sincerely best truly faithfully yours greetings thank you"
)
NOT_SIGNER = (
    P.BUSINESS_WORDS
    | P.LABEL_WORDS
    | _w("the team support service services customer department desk staff group billing sales")
)


# A greeting and a given name, then a comma or "!" ending the line ("Hi Line,", "Dear Faith,").
GREETED = re.compile(
    rf"(?m)^[ \t>]*(?i:hi|hello|hey|dear|hallo|hej|hei|moi|bonjour|hola|ciao|olá|cześć|ahoj)"
    rf"[ \t]+(?P<name>{P.CAP})[ \t]*[,!][ \t]*$"
)
NOT_GREETED = NOT_SIGNER | _w("sir madam all everyone everybody guys there friend friends folks")
# A given name alone on the last line of a message or of a quoted message ("> Dean").
LAST_LINE = re.compile(rf"(?m)^[ \t]*(?P<quote>>[ \t]*)?(?P<name>{P.CAP})[ \t]*$")


def _first_name(word: str) -> bool:
    """In a given-name list, even if also a word ("Faith", "Dean"), and no way to address a
    group ("Team", "All")."""
    low = word.casefold()
    return (L.is_given(low) or low in L.census_first_all()) and low not in NOT_GREETED


def _given_alone(text: str, m: re.Match[str]) -> bool:
    if not _first_name(m["name"]):
        return False
    rest = text[m.end() :].lstrip("\n")
    return not rest.strip() or (bool(m["quote"]) and not rest.lstrip().startswith(">"))


# "it's mark here", "this is hope here": a given name however common a word it also is.
SELF_INTRO = re.compile(r"(?i)\b(?:it'?s|it\u2019s|this is)[ \t]+([^\W\d_]+)[ \t]+here\b")


# The name a mail program writes before an address: "Grace Hill (ghays@example.com)",
# "Mark Dixon <md@example.org>", at the start of a line or after a label or a comma.
DISPLAY_NAME = re.compile(
    rf"(?m)(?:^[ \t>]*|[:,][ \t]*)(?P<name>{P.CAP}(?:[ \t]+{P.CAP}){{1,2}})"
    rf"[ \t]+[(<]{P.EMAIL.pattern}[)>]"
)


def signed(text: str) -> list[Cand]:
    out: list[Cand] = []
    for m in DISPLAY_NAME.finditer(text):
        words = m["name"].split()
        if all(_namey(w) and w.casefold() not in NOT_SIGNER for w in words):
            out.append((PERSON, m.start("name"), m.end("name")))
    for m in SELF_INTRO.finditer(text):
        if _first_name(m[1]):
            out.append((PERSON, m.start(1), m.end(1)))
    for m in GREETED.finditer(text):
        if _first_name(m["name"]):
            out.append((PERSON, m.start("name"), m.end("name")))
    for m in LAST_LINE.finditer(text):
        if text[: m.start()].strip() and _given_alone(text, m):
            out.append((PERSON, m.start("name"), m.end("name")))
    for m in SIGNED.finditer(text):
        closing = m["closing"].casefold().split()
        if not (m["closing"] == "--" or (closing and closing[-1] in SIGN_OFF_WORDS)):
            continue
        words = [w.rstrip(".") for w in m["name"].split()]
        full = [w for w in words if len(w) > 1]
        if full and all(_namey(w) and w.casefold() not in NOT_SIGNER for w in full):
            out.append((PERSON, m.start("name"), m.end("name")))
    return out


def _name_list(text: str, items: list[tuple[int, int]]) -> bool:
    """ "Lamovec and Morales", "Morrison, Rogers and Torres": capitalised name-like words only,
    one of them a given name or surname, at most one a common English word."""
    words = [w for s, e in items for w in text[s:e].split()]
    banned = P.STOP | P.LABEL_WORDS | P.ORDINARY
    if not words or not all(
        w[0].isupper() and _namey(w) and w.casefold() not in banned for w in words
    ):
        return False
    common = sum(L.is_common(w) for w in words)
    return common <= 1 and any(given(w) or surname(w) for w in words)


def spread(text: str, found: list[Cand]) -> list[Cand]:
    """Names in a list with a found name ("Kónya, Becker and Vasquez", in either direction),
    and every other mention of a found name word, are names too."""
    out = list(found)
    cased = not _caseless(text)
    starts = {s for _, s, _ in found}
    ends = {e for _, _, e in found}
    for m in P.NAME_LIST.finditer(text):
        items = [
            x.span() for x in P.LIST_ITEM.finditer(text, *m.span()) if x[0] not in ("and", "or")
        ]
        if not any(s in starts or e in ends for s, e in items) and not _name_list(text, items):
            continue
        for s, e in items:
            words = text[s:e].split()
            if not all(w[0].isupper() if cased else _namey(w) for w in words):
                continue
            if any(
                w.casefold() in P.STOP
                or (L.is_common(w) and not given(w) and w.casefold() not in L.census_last_all())
                for w in words
            ):
                continue
            out.append((PERSON, s, e))
    tokens = {
        w
        for _, s, e in out
        for w in re.findall(r"[^\W\d_]{3,}", text[s:e])
        if w.casefold() not in P.STOP | P.COMMON and not L.is_common(w)
    }
    if tokens:
        rx = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(tokens))) + r")(?!\w)")
        out += [(PERSON, m.start(), m.end()) for m in rx.finditer(text)]
    return out
