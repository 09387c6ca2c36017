"""Words of a text as the search and reply code compare them: a plain library, no Django.

`tokenize` lower-cases, drops English function words and stems with Snowball (PyStemmer) when
it is installed; the embedded memory engine ranks by these words, the offline composer and the
recurring-issue labels compare texts by them; `parts_of_speech` and `zipf` tell what a word
can be and how common it is.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

# English function words (pronouns, auxiliaries, determiners, prepositions, conjunctions, question
# words) plus the fragments that splitting contractions on apostrophes leaves behind.
_STOP_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves s t d ll m re ve don didn doesn isn
    wasn weren aren hasn haven hadn won wouldn couldn shouldn
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"\w+")
_local = threading.local()  # PyStemmer objects must not be shared between threads


def _stemmer() -> Any:
    if not hasattr(_local, "stemmer"):
        try:
            import Stemmer
        except ImportError:
            _local.stemmer = None
        else:
            _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


def stems() -> bool:
    """Whether `tokenize` stems (PyStemmer is installed): stored tokens depend on it."""
    return _stemmer() is not None


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without function words, stemmed when PyStemmer is installed."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    stemmer = _stemmer()
    return stemmer.stemWords(words) if stemmer is not None else words


@functools.cache
def parts_of_speech(word: str) -> frozenset[str]:
    """What an English word can be ("NOUN", "VERB", "ADJ", "ADV", ...), from lemminflect's
    lexicon: empty for a word it does not know (a product name, a misspelling)."""
    from lemminflect import getAllLemmas

    return frozenset(getAllLemmas(word.casefold()))


@functools.cache
def zipf(word: str) -> float:
    """How common a word is in English (Zipf scale: 6 is "people", 3 a rare word; 0 unknown,
    or when wordfreq is not installed)."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return 0.0
    return float(zipf_frequency(word, "en"))
