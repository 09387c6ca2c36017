"""A recurring issue's label: the topic its tickets share, as a person would write it, or none.

A label is a phrase of one to three words, each found in at least two of the tickets (so one
ticket's personal details never make it), and found together in one of them at least ("error
code", "cpu usage", "printer offline"): the word or phrase the most tickets share, widened to
the longest such phrase around it. The phrase must read as a topic. It ends on a word that
can be a noun, one no dictionary knows (a product name: "gta", "dropbox"), a rare gerund
("billing", "buffering") or a noun's state ("printer offline"). Its other words can be
nouns, adjectives or gerunds ("cleaning supplies"). No word is a name, praise ("awesome"), a
contraction, or a word too common to name anything on its own ("people", "year"). When
nothing reads as a topic the label is empty, and the pages and drafts say "the same problem"
in their own words instead of showing fillers such as "last lot difference".

The tickets' text is masked first, as the exits a label reaches say (`LABEL_EXITS`): a
password or key the customer sent twice is no shared word either.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from helpdesk import pii
from helpdesk.pii.exits import Exit, exit_kinds
from helpdesk.replies.sentiment import is_praise
from helpdesk.words import STOP_WORDS, parts_of_speech, tokenize, zipf

LABEL_WORDS = 3
LABEL_MAX_LENGTH = 40
# A single word at least this common in English names no topic ("people" 6.3, "year" 6.0,
# "lot" 5.6); "game" (5.7) is left out too, "video" (5.4) and "account" (5.2) stay.
GENERIC_ZIPF = 5.6
# A gerund this rare names an activity ("billing" 3.6, "streaming" 4.2), a common one does
# not ("sending" 4.6, "playing" 5.4).
RARE_GERUND_ZIPF = 4.5
# Where a label goes besides our own pages: the model's prompt (drafts, handoffs) and the
# bot's hand-over reason, which the handoff and the notification e-mail carry.
LABEL_EXITS = (Exit.LANGUAGE_MODEL, Exit.HANDOFF, Exit.EMAIL)
# What is masked in the tickets' text before a label is picked: what those exits mask, but
# names word by word (`_is_a_name`, `avoid`), since the filter reads a run of lower-case
# words around a name as one name and would take the problem's own words with it.
_LABEL_KINDS = exit_kinds(*LABEL_EXITS) - {pii.PERSON}

# Words of support conversations that name no problem.
_FILLER_TEXT = """
    again also always anyone anything back can cannot could day days dear does done else even
    ever every fix get gets getting give going got guys happen happened happening hello help hey
    issue issues keep keeps know let like look make many much need needs never new now please
    problem problems really right said say says see since someone something still sure team thank
    thanks thing things think time times today tried trying two use used using want way week well
    what work working works yesterday yet one ones idea chance lot lots bit wanna gonna gotta
    kinda lemme
"""
_FILLER = frozenset(_FILLER_TEXT.split())
_NOT_A_WORD = re.compile(r"\S*[@#/]\S*|\S+\.\S+")  # handles, tags, links, e-mail addresses
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»|\n]+")  # a phrase never spans these
_TOKEN = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def issue_label(
    texts: list[str], *, avoid: str = "", known: pii.KnownIdentifiers | None = None
) -> str:
    """The topic the tickets share (`texts`: each ticket's subject and customer messages), or ""
    when none reads as one. `avoid`: words never in the label (the customer's name)."""
    banned = {part.casefold() for part in avoid.split()}
    tickets_with: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = {}
    first_seen: dict[tuple[str, ...], int] = {}
    for text in texts:
        found = set()
        for run in _runs(_PLACEHOLDER.sub(" . ", _masked(text, known)), banned):
            for size in range(1, LABEL_WORDS + 1):
                for start in range(len(run) - size + 1):
                    words = run[start : start + size]
                    key = tuple((tokenize(word) or [word])[0] for word in words)
                    forms.setdefault(key, Counter())[" ".join(words)] += 1
                    first_seen.setdefault(key, len(first_seen))
                    found.add(key)
        tickets_with.update(found)
    # Phrases of words that at least two tickets share each, found whole in one at least.
    topics = {
        key: phrase
        for key in tickets_with
        if all(tickets_with[(stem,)] >= 2 for stem in key)
        and len(phrase := forms[key].most_common(1)[0][0]) <= LABEL_MAX_LENGTH
        and reads_as_topic(phrase.split())
    }
    if not topics:
        return ""
    # The word or phrase most tickets share, then the longest topic around it ("cpu" ->
    # "cpu usage", "months" -> "free premium months").
    seed = min(topics, key=lambda key: (-tickets_with[key], len(key), _commonness(topics[key])))
    around = [key for key in topics if _contains(key, seed)]
    best = min(around, key=lambda key: (-len(key), -tickets_with[key], first_seen[key]))
    return topics[best]


def _commonness(phrase: str) -> float:
    return sum(zipf(word) for word in phrase.split())


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(phrase[i : i + len(part)] == part for i in range(len(phrase) - len(part) + 1))


def reads_as_topic(words: list[str]) -> bool:
    """Whether a phrase names a topic: see the module's docstring."""
    if len({*words}) < len(words):
        return False
    if len(words) == 1 and zipf(words[0]) >= GENERIC_ZIPF:
        return False
    *modifiers, head = (parts_of_speech(word) for word in words)
    if not _can_end(words, head, modifiers):
        return False
    for word, kinds in zip(words, modifiers, strict=False):
        if kinds and not kinds & {"NOUN", "ADJ"} and not word.endswith("ing"):
            return False  # a gerund may be one: "cleaning supplies", "billing address"
    return not any(is_praise(word) or _is_a_name(word) for word in words)


def _can_end(words: list[str], head: frozenset[str], modifiers: list[frozenset[str]]) -> bool:
    """Whether the phrase's last word can end a topic: see the module's docstring."""
    if not head or "NOUN" in head:
        return True
    if words[-1].endswith("ing") and zipf(words[-1]) < RARE_GERUND_ZIPF:
        return True
    return "ADJ" in head and bool(modifiers) and "NOUN" in modifiers[-1]


def _runs(text: str, banned: set[str]) -> list[list[str]]:
    """Runs of label words, lower-cased: anything else (punctuation, numbers, function and
    filler words, handles, links) ends a run."""
    runs: list[list[str]] = []
    for part in _BREAK.split(_NOT_A_WORD.sub(" . ", text.casefold())):
        run: list[str] = []
        for token in _TOKEN.findall(part):
            word = token.strip("'\u2019-")
            if _LETTERS.fullmatch(word) and _is_label_word(word, banned):
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def _is_label_word(word: str, banned: set[str]) -> bool:
    return len(word) > 2 and word not in STOP_WORDS and word not in _FILLER and word not in banned


def _masked(text: str, known: pii.KnownIdentifiers | None) -> str:
    return pii.redact(text, known=known, kinds=_LABEL_KINDS).text


@functools.lru_cache(maxsize=4096)
def _is_a_name(word: str) -> bool:
    """Would the PII filter mask the word, capitalised, as a person's name, and is it no word
    of the dictionary? (Alone, "Payment" reads to the filter as a name.)"""
    if parts_of_speech(word):
        return False
    return any(span.kind == pii.PERSON for span in pii.redact(word.capitalize()).spans)
