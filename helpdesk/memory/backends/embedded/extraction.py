"""The offline extractor: memories from a ticket's messages without any model.

It writes what a careful agent would jot down when a ticket ends:
- an **episode**: what the customer raised, and how we answered;
- **profile facts**: short typed notes of what the customer says about
  themselves that stays true across tickets, as an agent would write them:
  `device` "Has a Fritzbox 7590 router", `os` "Windows 11", `plan` "Gold
  member", `location` "Lives in Lyon", `contact` "Prefers e-mail", `language`
  "Speaks Spanish", `work` "Works as a nurse", `skill` "Not technical". The
  value comes from a first-person statement ("I have", "my", "I'm on", "I live
  in"), read against small closed vocabularies (`vocabulary`), normalised and
  capped in words; a question, a remark about the other person or someone else
  ("my son's iPad"), a negation or a wish ("if I buy", "I don't have") gives
  nothing, and so does a value holding a masked placeholder or a long number;
- **facts** of this ticket: order numbers, versions, error codes and the like.

Each extracted item keeps the message it came from, so the page can link to it.
The patterns are deliberately conservative: a missed fact costs less than a
wrong one shown to an agent as "what we know".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from helpdesk.memory.backends.embedded import vocabulary
from helpdesk.memory.types import profile_label

T = TypeVar("T")

MAX_FACT_LENGTH = 160
MAX_EPISODE_PART = 220

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_WS = re.compile(r"\s+")

# Ticket facts: identifiers an agent would look for again.
_TICKET_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("order", re.compile(r"\border (?:number |no\.? |id |#)?[:#]?\s*([A-Z0-9-]{5,})\b", re.I)),
    ("version", re.compile(r"\b(?:version|firmware|build|v)\s*([0-9]+(?:\.[0-9]+){1,3})\b", re.I)),
    ("error", re.compile(r"\berror(?: code)?[:\s#]*([A-Z0-9_-]*\d[A-Z0-9_-]*)\b", re.I)),
)


@dataclass(frozen=True)
class TurnText:
    """One message as the extractor sees it."""

    message_id: int
    is_customer: bool
    author: str
    text: str


@dataclass(frozen=True)
class Extracted:
    kind: str  # "episode", "fact" or "profile"
    category: str
    text: str
    message_id: int | None


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _shorten(text: str, limit: int) -> str:
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def sentences(text: str) -> list[str]:
    return [s for s in (_clean(part) for part in _SENTENCE_SPLIT.split(text)) if s]


def profile_facts(turns: Sequence[TurnText]) -> list[Extracted]:
    """Short typed facts the customer states about themselves, as an agent would note them.

    One fact per value (the newest mention is its source), and one per single-valued
    category (`SINGLE_VALUED`: the newest wins). Nothing when the value is unclear."""
    found: list[tuple[Extracted, str]] = []
    for turn in turns:
        if not turn.is_customer:
            continue
        for sentence in sentences(turn.text):
            for category, text, value in _sentence_facts(sentence):
                if _acceptable(text):
                    fact = Extracted(
                        kind="profile", category=category, text=text, message_id=turn.message_id
                    )
                    found.append((fact, value))
    return _newest_per_fact(found)


SINGLE_VALUED = frozenset({"location", "plan", "os", "contact"})
ONLY_LANGUAGE = "Speaks only "  # a language fact that rules out the others
MAX_VALUE_WORDS = 6

_ARTICLE_AN = re.compile(r"^(?:[aeiouAEIOU]|[FHLMNRSX][A-Z0-9]|X|8|11|18)")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*\d*>|\[[a-z ]+ removed\]")
_NUMBER_LIKE = re.compile(r"\d{6,}|(?:\d[ -]?){8,}")
_LEADING_HANDLES = re.compile(r"^(?:[.@]\w+[\s,:]*)+")
_QUESTION_START = re.compile(
    r"^(?:do|does|did|can|could|how|what|why|where|when|which|who|is|are|was|will|would|"
    r"should|shall|may|might|anyone|any|has|have)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|my|me|mine|we|our)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|u)\b", re.IGNORECASE)
# Words that make what follows them not (or not yet) true of the customer.
_UNREAL = re.compile(
    r"\b(?:if|wish|would|wanna|want|wants|wanted|hope|hoping|plan to|planning|might|may|could|"
    r"should|not|never|don't|dont|didn't|haven't|hasn't|can't|cannot|no|whether|considering|"
    r"thinking|going to|gonna|until|unless|before|instead of|without|used to|friend|friend's|"
    r"wife|husband|son|daughter|dad|mom|mother|father|brother|sister|bro|kid|kids|partner)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[,;:()\"\u201c\u201d]|\s[-\u2013\u2014]\s|\b(?:but|and then|so|because)\b", re.IGNORECASE
)


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _whole_words(named: Sequence[tuple[str, str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, name) pairs as patterns that match whole words only, any case."""
    return tuple(
        (re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), name)
        for pattern, name in named
    )


_BRAND = _alternation(vocabulary.BRANDS)
_BRAND_CASING = {brand.lower(): brand for brand in vocabulary.BRANDS}
_DEVICE = re.compile(
    rf"(?<![\w-])(?P<name>(?:(?:{_BRAND})\s+)?(?:"
    + "|".join(f"(?:{p})" for p in vocabulary.DEVICES)
    + rf"|{_alternation(vocabulary.GENERIC_DEVICES)})"
    r"(?:\s+(?:[a-z]{0,3}\d[\w.-]*|pro|max|plus|mini|air|ultra|lite|one|laptop|router|"
    r"printer|console|tablet|phone|watch)){0,2})(?![\w-])",
    re.IGNORECASE,
)
_SOFTWARE = _whole_words(vocabulary.SOFTWARE)
# What stands before a device the customer has ("my", "I have a", "I'm using an").
_OWNS = re.compile(
    r"(?:\b(?:my|our)|\b(?:I|we)(?:'ve|'m| am| have|'re| are)?(?:\s+(?:just|recently|also|still|"
    r"only|finally|already|actually|currently))?\s+(?P<verb>have|own|use|using|bought|got|"
    r"purchased|ordered|run|"
    r"running|on))(?:\s+(?:a|an|the|this|two|my|new|brand new|old|current|own|personal|"
    r"home|work|gaming|second|spare)){0,3}\s*$",
    re.IGNORECASE,
)
_NOT_THE_DEVICE = re.compile(
    r"^\s*(?:account|acc|subscription|app|support|store|id|gift|card|credit|plan|membership|"
    r"pass|online|live|network|game|games|team|cares?|help)\b",
    re.IGNORECASE,
)
_USES_SOFTWARE = re.compile(
    r"(?:\bI(?:'ve|'m| am| have)?\s+(?:\w+\s+)?(?:use|using|have|had|bought|run|running)|\bmy)"
    r"(?:\s+(?:the|a|an))?(?:\s+latest(?:\s+version\s+of)?)?\s*$",
    re.IGNORECASE,
)
_FOR_YOU = re.compile(r"[^,.;!]*\b(?:for|to)\s+(?:you|u)\b", re.IGNORECASE)
_OPERATING_SYSTEMS = _whole_words(vocabulary.OPERATING_SYSTEMS)
_ON_OS = re.compile(
    r"(?:\bI(?:'m| am|'ve| have)?(?:\s+\w+)?\s+(?:on|running|run|using|use|have|had|got|"
    r"updated to|upgraded to|installed|bought|buy)|\bmy\s+(?:\w+\s+){0,2}(?:is on|runs|is "
    r"running|has|with|running|on)|\brunning|\bon|\bwith)(?:\s+(?:the|this|a|latest|new))*\s*$",
    re.IGNORECASE,
)
_LEVEL = _alternation(vocabulary.MEMBER_LEVELS)
_MEMBER = re.compile(
    rf"\bI(?:'m| am)\s+(?:also\s+|still\s+|now\s+|already\s+)?(?:a\s+|an\s+)?(?P<level>{_LEVEL})"
    r"(?:\s+(?:member|customer|level|tier|status|subscriber)\b|\s*(?=[.,!;]|$))"
    rf"|\bmy\s+(?:membership\s+|member\s+|account\s+|loyalty\s+)?(?:level|tier|status)\s+is\s+"
    rf"(?:a\s+|an\s+)?(?P<level2>{_LEVEL})\b",
    re.IGNORECASE,
)
_PLAN = re.compile(
    r"(?:\bmy|\bI(?:'m| am)\s+(?:currently\s+|still\s+)?on|\bI\s+(?:(?:only|just|also|"
    r"already|recently)\s+)?(?:have|pay for|bought|got|"
    r"signed up for|upgraded to|switched to|subscribe to)|\bI(?:'m| am) subscribed to)\s+"
    r"(?:the\s+|a\s+|an\s+)?(?P<words>(?:[\w+-]+\s+){1,2}?)(?P<noun>plan|subscription|"
    r"membership|tier|package|contract)\b",
    re.IGNORECASE,
)
_SUBSCRIPTIONS = _whole_words(vocabulary.SUBSCRIPTIONS)
_SUBSCRIBED = re.compile(
    r"(?:\bmy|\bI\s+(?:\w+\s+)?(?:have|pay for|bought|got|use|subscribe to|subscribed to|"
    r"signed up for|upgraded to|switched to)|\bI(?:'m| am) (?:on|subscribed to))"
    r"(?:\s+(?:a|an|the))?\s*$",
    re.IGNORECASE,
)
_PLACE = (
    r"(?-i:(?P<place>(?:the\s+)?[A-Z][\w'\u2019.-]*(?:\s+(?:(?:of|de|del|la|le|upon|am|sur)\s+)?"
    r"[A-Z][\w'\u2019.-]*){0,3}(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?))"
)
_LOCATION = re.compile(
    r"\bI(?:'ve|'m| am| have)?\s+(?:just\s+|recently\s+|currently\s+|now\s+)?(?P<verb>live|"
    r"living|reside|based|located|moved|relocated)\s+(?:in|to|near|out to)\s+"
    + _PLACE
    + r"|\bI(?:'m| am)\s+(?:originally\s+)?(?P<from>from)\s+"
    + _PLACE.replace("place", "place2"),
    re.IGNORECASE,
)
_NOT_A_PLACE = frozenset(
    " ".join(
        (
            "i my your our this that it we they he she there here january february march april",
            "may june july august september october november december monday tuesday wednesday",
            "thursday friday saturday sunday christmas covid twitter google apple microsoft",
            "amazon youtube",
        )
    ).split()
)
_CONTACT = (
    (
        re.compile(
            r"\b(?:don't|do not|never|please don't|pls don't)\s+(?:call|phone|ring)\s+me\b", re.I
        ),
        "Prefers not to be called",
    ),
    (re.compile(r"\b(?:e-?mail|mail)\s+me\b", re.I), "Prefers e-mail"),
    (re.compile(r"\b(?:text|sms|whatsapp)\s+me\b", re.I), "Prefers text messages"),
    (
        re.compile(
            r"\b(?:call|phone|ring)\s+me(?:\s+back)?(?=\s*(?:$|[.,!;:]|at\b|on\b|asap\b|please\b|"
            r"when\b|anytime\b|any time\b|today\b|tomorrow\b|instead\b|directly\b|or\b|and\b))"
            r"|\bgive me a (?:call|ring)\b",
            re.I,
        ),
        "Prefers phone calls",
    ),
)
_PREFERS_CHANNEL = re.compile(
    r"\bI(?:'d)?\s+(?:much\s+|really\s+)?(?:prefer|rather)\s+(?:to\s+be\s+(?:contacted|reached)\s+"
    r"|being\s+(?:contacted|reached)\s+|contact\s+|communication\s+|to\s+talk\s+)?(?:by|via|over|"
    r"through|on)?\s*(?:an?\s+)?(?P<channel>e-?mails?|phone(?: calls?)?|calls?|texts?|"
    r"text messages|sms|whatsapp|chat|live chat|dms?|direct messages?|post|letters?)\b",
    re.IGNORECASE,
)
_REACH_ME = re.compile(
    r"\b(?:reach|contact|get hold of)\s+me\s+(?:best\s+|only\s+)?(?:by|via|over|through|on)\s+"
    r"(?:an?\s+)?(?P<channel>e-?mails?|phone|calls?|texts?|text messages|sms|whatsapp)\b",
    re.IGNORECASE,
)
_CHANNELS = {
    "e": "Prefers e-mail",
    "p": "Prefers phone calls",
    "c": "Prefers phone calls",
    "t": "Prefers text messages",
    "s": "Prefers text messages",
    "w": "Prefers WhatsApp",
    "d": "Prefers direct messages",
    "l": "Prefers letters",
}
_LANGUAGE = _alternation(vocabulary.LANGUAGES)
_LANGUAGE_CASING = {language.lower(): language for language in vocabulary.LANGUAGES}
_SPEAKS = re.compile(
    rf"\bI\s+(?P<only>only\s+|just\s+)?(?:speak|understand)\s+(?P<only2>only\s+)?"
    rf"(?P<langs>(?:{_LANGUAGE})(?:\s*(?:,|and|&)\s*(?:{_LANGUAGE}))*)\b"
    rf"|\bI(?:'m| am)\s+(?:a\s+)?(?:native|fluent)\s+(?:in\s+)?(?P<native>{_LANGUAGE})\b"
    rf"|\bmy\s+(?:first|native|mother)\s+(?:language|tongue)\s+is\s+(?P<first>{_LANGUAGE})\b"
    rf"|\b(?P<first2>{_LANGUAGE})\s+is\s+my\s+(?:first|native|mother)\s+(?:language|tongue)\b",
    re.IGNORECASE,
)
_NO_SPEAK = re.compile(
    rf"\bI\s+(?:don't|do not|can't|cannot)\s+(?:speak|understand|read)\s+(?:much\s+|any\s+)?"
    rf"(?P<lang>{_LANGUAGE})\b",
    re.IGNORECASE,
)
_REPLY_IN = re.compile(
    rf"\b(?:please\s+)?(?:reply|answer|respond|write)(?:\s+to\s+me|\s+me)?\s+in\s+"
    rf"(?P<lang>{_LANGUAGE})\b",
    re.IGNORECASE,
)
_JOB = _alternation(sorted(vocabulary.JOBS))
_JOB_MODIFIER = (
    r"(?:(?:registered|software|senior|junior|freelance|retired|former|full-time|part-time|"
    r"high school|school|graduate|college|university|nursing|medical|engineering|law|art|"
    r"music|phd|professional|certified|licensed|small|web|graphic|civil|mechanical|"
    r"electrical|data|it|night|flight|dental|substitute|math|science|history|english|"
    r"computer science)\s+)?"
)
_WORK = re.compile(
    rf"(?:\bI(?:'m| am)\s+(?:a|an)\s+|\bI\s+work(?:\s+\w+){{0,2}}?\s+as\s+(?:a|an)\s+"
    rf"|\bmy\s+job\s+as\s+(?:a|an)\s+"
    rf"|(?:^|[,;]\s*)as\s+(?:a|an)\s+)(?P<modifier>{_JOB_MODIFIER})(?P<job>{_JOB})\b(?!-)"
    rf"(?!\s+(?:of|at heart|by heart|friend|mom|dad)\b)",
    re.IGNORECASE,
)
_WORK_FIELD = _alternation(vocabulary.WORK_FIELDS)
_WORK_IN = re.compile(
    rf"\b(?:I\s+(?:currently\s+|still\s+)?work|I(?:'m| am|'ve been| have been)\s+working|"
    rf"due to\s+working)\s+(?:in|at)\s+(?P<field>{_WORK_FIELD})\b"
    r"|\bI\s+(?:currently\s+|still\s+)?work\s+(?:at|for)\s+"
    r"(?-i:(?P<org>[A-Z][\w&'\u2019.-]*(?:\s+[A-Z][\w&'\u2019.-]*){0,3}))",
    re.IGNORECASE,
)
_OWNS_BUSINESS = re.compile(
    r"\bI\s+(?:own|run|(?:\w+\s+)?opened)\s+(?:a|an|my own|my)\s+(?P<what>(?:[a-z-]+\s+){0,2}"
    r"(?:shop|business|store|restaurant|company|bakery|salon|garage|cafe|café|studio|clinic))\b",
    re.IGNORECASE,
)
_SELF = re.compile(
    r"\bI(?:'m| am)\s+(?P<state>retired|self-employed)\b|\bI\s+work\s+for\s+(?P<myself>myself)\b",
    re.IGNORECASE,
)
_NOT_TECHNICAL = re.compile(
    r"\bI(?:'m| am)\s+(?:really\s+|very\s+|just\s+|honestly\s+)?not\s+(?:very\s+|really\s+|that\s+"
    r"|too\s+|a\s+|the\s+most\s+|super\s+)?(?:technical|technically minded|tech[- ]?savvy|techy|"
    r"computer[- ]savvy|computer literate|good with (?:computers|technology|tech|phones|these "
    r"things|this stuff)|a tech(?:ie|y| person))\b"
    r"|\bI(?:'m| am)\s+(?:a\s+)?(?:complete\s+|total\s+)?(?:technophobe|computer illiterate|"
    r"tech illiterate|dinosaur with (?:technology|computers))\b",
    re.IGNORECASE,
)


def _sentence_facts(sentence: str) -> list[tuple[str, str, str]]:
    """(category, text, value) for each fact one sentence of the customer's states."""
    sentence = _LEADING_HANDLES.sub("", sentence.replace("\u2019", "'")).strip()
    if (
        len(sentence) < 4
        or sentence.endswith("?")
        or _QUESTION_START.match(sentence)
        or _PLACEHOLDER.fullmatch(sentence)
    ):
        return []
    facts = _contact(sentence) + _operating_system(sentence)
    if _FIRST_PERSON.search(sentence):
        facts += (
            _devices(sentence)
            + _plan(sentence)
            + _location(sentence)
            + _language(sentence)
            + _work(sentence)
        )
        if _NOT_TECHNICAL.search(sentence):
            facts.append(("skill", "Not technical", "not technical"))
    return facts


def _clause_before(sentence: str, start: int) -> str:
    """The words before `start` in the same clause."""
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _real(clause: str) -> bool:
    """Whether words state something true of the customer (no "if", "not", "my son")."""
    return not _UNREAL.search(clause) and not _SECOND_PERSON.search(clause)


def _stated(sentence: str, start: int, end: int) -> bool:
    """Whether `sentence[start:end]` (a first-person phrase up to its value) is stated as true:
    read with the three words before it in its clause ("if", "don't", "my son's")."""
    before = _clause_before(sentence, start).split()[-3:]
    return _real(" ".join([*before, sentence[start:end]]))


def _trigger(pattern: re.Pattern[str], sentence: str, start: int) -> re.Match[str] | None:
    """`pattern` matched at the end of the clause before `start`; its offsets are the
    sentence's. None unless what it matched is stated as true."""
    clause_start = start - len(_clause_before(sentence, start))
    match = pattern.search(sentence, clause_start, start)
    if match is None or not _stated(sentence, match.start(), start):
        return None
    return match


def _article(value: str) -> str:
    return "an" if _ARTICLE_AN.match(value) else "a"


def _device_name(raw: str) -> str:
    series = re.fullmatch(r"series\s?(\d+)\s+watch", raw, re.IGNORECASE)
    if series:  # "I have a Series 1 watch"
        return f"Apple Watch Series {series.group(1)}"
    words = []
    for word in raw.split():
        lower = word.lower()
        if lower in vocabulary.CASING:
            words.append(vocabulary.CASING[lower])
        elif lower in _BRAND_CASING:
            words.append(_BRAND_CASING[lower])
        elif any(ch.isdigit() for ch in word):
            words.append(word.upper())
        elif lower in vocabulary.GENERIC_DEVICES or lower in {
            "laptop",
            "router",
            "printer",
            "console",
            "tablet",
            "phone",
            "watch",
            "smart",
            "android",
        }:
            words.append("Android" if lower == "android" else lower)
        else:
            words.append(word[:1].upper() + word[1:].lower() if word.islower() else word)
    return re.sub(r"\bApple watch\b", "Apple Watch", " ".join(words))


def _devices(sentence: str) -> list[tuple[str, str, str]]:
    facts = []
    for match in _DEVICE.finditer(sentence):
        owns = _trigger(_OWNS, sentence, match.start())
        if owns is None:
            continue
        after = sentence[match.end() :]
        if _NOT_THE_DEVICE.match(after) or _FOR_YOU.match(after):
            continue
        name = _device_name(match.group("name"))
        verb = (
            "Uses"
            if (owns.group("verb") or "").lower() in {"use", "using", "run", "running", "on"}
            else "Has"
        )
        facts.append(("device", f"{verb} {_article(name)} {name}", name.lower()))
    for pattern, software in _SOFTWARE:
        for match in pattern.finditer(sentence):
            if _trigger(_USES_SOFTWARE, sentence, match.start()):
                facts.append(("device", f"Uses {software}", software.lower()))
    return facts


def _operating_system(sentence: str) -> list[tuple[str, str, str]]:
    bare = re.sub(r"[\s.!,]+$", "", sentence)
    for pattern, name in _OPERATING_SYSTEMS:
        for match in pattern.finditer(sentence):
            alone = match.start() == 0 and re.fullmatch(
                r"[\s.!,]*(?:(?:64|32)[- ]?bit|pro|home)?[\s.!,]*", bare[match.end() :]
            )
            if not alone and not (
                _FIRST_PERSON.search(sentence) and _trigger(_ON_OS, sentence, match.start())
            ):
                continue
            version = match.group(1) if pattern.groups else None
            text = f"{name} {version}" if version else name
            if name == "Windows" and re.search(r"\bpro\b", match.group(0), re.I):
                text += " Pro"
            if name == "macOS" and version and not version[0].isdigit():
                text = f"macOS {version.title()}"
            return [("os", text, text.lower())]
    return []


def _plan(sentence: str) -> list[tuple[str, str, str]]:
    facts = []
    for match in _MEMBER.finditer(sentence):
        if not _stated(sentence, match.start(), match.end()):
            continue
        level = (match.group("level") or match.group("level2")).lower()
        label = "VIP" if level == "vip" else level.capitalize()
        facts.append(("plan", f"{label} member", level))
    for pattern, name in _SUBSCRIPTIONS:
        for match in pattern.finditer(sentence):
            if _trigger(_SUBSCRIBED, sentence, match.start()):
                facts.append(("plan", name, name.lower()))
    if not facts:
        for match in _PLAN.finditer(sentence):
            words = match.group("words").lower().split()
            if (
                words
                and all(word in vocabulary.PLAN_WORDS for word in words)
                and _stated(sentence, match.start(), match.end())
            ):
                noun = match.group("noun").lower()
                value = " ".join(words)
                if noun in {"membership", "tier"} and value in vocabulary.MEMBER_LEVELS:
                    facts.append(("plan", f"{value.capitalize()} member", value))
                else:
                    noun = "plan" if noun in {"subscription", "package"} else noun
                    facts.append(("plan", f"{value.capitalize()} {noun}", f"{value} {noun}"))
    return facts


def _location(sentence: str) -> list[tuple[str, str, str]]:
    facts = []
    for match in _LOCATION.finditer(sentence):
        place = match.group("place") or match.group("place2")
        words = place.split()
        if (
            words[0].lower() in _NOT_A_PLACE
            or len(words) > 5
            or not _stated(sentence, match.start(), match.end())
            or _DEVICE.fullmatch(place)
            or words[0].lower() in vocabulary.NOT_PLACES
            or words[0].lower() in _BRAND_CASING
        ):
            continue
        place = place.rstrip(".")
        if match.group("from"):
            facts.append(("location", f"From {place}", place.lower()))
        else:
            facts.append(("location", f"Lives in {place}", place.lower()))
    return facts


def _contact(sentence: str) -> list[tuple[str, str, str]]:
    for pattern, text in _CONTACT:
        match = pattern.search(sentence)
        if match:
            clause = _clause_before(sentence, match.start())
            if text == "Prefers not to be called" or not re.search(
                r"\b(?:not|never|don't|dont|if|when|whether)\b", clause, re.I
            ):
                return [("contact", text, text.lower())]
    match = _PREFERS_CHANNEL.search(sentence) or _REACH_ME.search(sentence)
    if match:
        text = _CHANNELS[match.group("channel").lower()[0]]
        return [("contact", text, text.lower())]
    return []


def _language(sentence: str) -> list[tuple[str, str, str]]:
    facts = []
    for match in _NO_SPEAK.finditer(sentence):
        language = _LANGUAGE_CASING[match.group("lang").lower()]
        facts.append(("language", f"Does not speak {language}", f"not {language.lower()}"))
    for match in _SPEAKS.finditer(sentence):
        if not _stated(sentence, match.start(), match.end()):
            continue
        if match.group("langs"):
            names = [
                _LANGUAGE_CASING[name.lower()]
                for name in re.split(r"\s*(?:,|and|&)\s*", match.group("langs"))
                if name
            ]
            listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            if match.group("only") or match.group("only2"):
                facts.append(("language", f"{ONLY_LANGUAGE}{listed}", listed.lower()))
            else:
                facts.append(("language", f"Speaks {listed}", listed.lower()))
        else:
            language = _LANGUAGE_CASING[
                (match.group("native") or match.group("first") or match.group("first2")).lower()
            ]
            facts.append(("language", f"Native {language} speaker", language.lower()))
    for match in _REPLY_IN.finditer(sentence):
        language = _LANGUAGE_CASING[match.group("lang").lower()]
        facts.append(("language", f"Prefers {language}", language.lower()))
    return facts


def _work(sentence: str) -> list[tuple[str, str, str]]:
    facts = []
    for match in _WORK.finditer(sentence):
        if not _stated(sentence, match.start(), match.end()):
            continue
        modifier = match.group("modifier").strip().lower()
        job = match.group("job").lower()
        if modifier == "it":
            modifier = "IT"
        if job == "student":
            text = f"{modifier.capitalize()} student" if modifier else "Student"
        elif modifier in {"retired", "former"}:
            text = f"{modifier.capitalize()} {job}"
        else:
            role = f"{modifier} {job}" if modifier else job
            text = f"Works as {_article(role)} {role}"
        facts.append(("work", text, f"{modifier} {job}".strip()))
    for match in _WORK_IN.finditer(sentence):
        if not _stated(sentence, match.start(), match.end()):
            continue
        if match.group("field"):
            field = match.group("field")
            field = field if field in {"IT"} else field.lower()
            preposition = "at" if field.startswith(("a ", "an ")) else "in"
            facts.append(("work", f"Works {preposition} {field}", field.lower()))
        elif match.group("org").lower() not in _NOT_A_PLACE:
            org = match.group("org").rstrip(".")
            facts.append(("work", f"Works at {org}", org.lower()))
    for match in _OWNS_BUSINESS.finditer(sentence):
        if _stated(sentence, match.start(), match.end()):
            what = match.group("what").lower()
            facts.append(("work", f"Owns {_article(what)} {what}", what))
    for match in _SELF.finditer(sentence):
        state = "Self-employed" if match.group("myself") else match.group("state").capitalize()
        facts.append(("work", state, state.lower()))
    return facts


def _acceptable(text: str) -> bool:
    """A fact worth showing: short, and no masked value, number, address or handle in it."""
    return (
        len(text.split()) <= MAX_VALUE_WORDS + 2
        and not _PLACEHOLDER.search(text)
        and not _NUMBER_LIKE.search(text)
        and "@" not in text
        and "http" not in text.lower()
        and "<" not in text
    )


def labelled(fact: Extracted) -> str:
    """A profile fact with its category's label, where the category is not shown beside it
    (an open ticket's memories): "OS: Windows 11"."""
    return f"{profile_label(fact.category)}: {fact.text}"


def newest_profile(items: Iterable[T], fields: Callable[[T], tuple[str, str]]) -> list[T]:
    """Profile facts newest first, as they should show: once per text, once per single-valued
    category (`SINGLE_VALUED`), and no language older than a "Speaks only ..."."""
    kept: list[T] = []
    seen: set[str] = set()
    closed: set[str] = set()
    for item in items:
        category, text = fields(item)
        if category in closed or text.lower() in seen:
            continue
        seen.add(text.lower())
        kept.append(item)
        if category in SINGLE_VALUED or text.startswith(ONLY_LANGUAGE):
            closed.add(category)
    return kept


def _newest_per_fact(found: list[tuple[Extracted, str]]) -> list[Extracted]:
    """`newest_profile`, less a value that another of its category spells out in full
    ("laptop" beside "HP Envy 13 laptop"); in the order they were said."""
    kept = newest_profile(reversed(found), lambda pair: (pair[0].category, pair[0].text))
    kept = [
        (fact, value)
        for fact, value in kept
        if not any(
            other.category == fact.category and _spelled_out(value, other_value)
            for other, other_value in kept
        )
    ]
    return [fact for fact, _ in reversed(kept)]


def _spelled_out(value: str, other: str) -> bool:
    """Whether `other` says `value` and more ("hp envy 13 laptop" for "laptop")."""
    return value != other and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", other) is not None


def ticket_facts(turns: Sequence[TurnText]) -> list[Extracted]:
    found: dict[tuple[str, str], Extracted] = {}
    for turn in turns:
        for category, pattern in _TICKET_FACT_PATTERNS:
            for match in pattern.finditer(turn.text):
                value = match.group(1)
                found.setdefault(
                    (category, value.lower()),
                    Extracted(
                        kind="fact",
                        category=category,
                        text=f"{category.capitalize()}: {value}",
                        message_id=turn.message_id,
                    ),
                )
    return list(found.values())


def episode(turns: Sequence[TurnText], *, subject: str, customer_name: str) -> Extracted | None:
    """One or two sentences: what the customer raised and what we answered last."""
    customer_turns = [t for t in turns if t.is_customer]
    if not customer_turns:
        return None
    first_name = customer_name.split()[0] if customer_name.strip() else "The customer"
    raised = _shorten(" ".join(t.text for t in customer_turns[:2]), MAX_EPISODE_PART)
    parts = [f"{first_name} wrote about \u201c{_shorten(subject, 80)}\u201d: {raised}"]
    answers = [t for t in turns if not t.is_customer]
    if answers:
        parts.append(
            f"{answers[-1].author} answered: {_shorten(answers[-1].text, MAX_EPISODE_PART)}"
        )
    return Extracted(
        kind="episode", category="", text=" ".join(parts), message_id=customer_turns[0].message_id
    )


def extract(turns: Sequence[TurnText], *, subject: str, customer_name: str) -> list[Extracted]:
    """Everything the offline extractor takes from one ticket."""
    items = []
    summary = episode(turns, subject=subject, customer_name=customer_name)
    if summary is not None:
        items.append(summary)
    items.extend(ticket_facts(turns))
    items.extend(profile_facts(turns))
    return items
