"""How the customer feels: VADER's lexicon, taught a few words of support talk.

VADER (`vaderSentiment`) scores short informal text well, but reads support
complaints kindly: "working" carries no weight, so "not working" is neutral, and
its negation reaches across sentences ("Still not working. Useless." scores
positive). So sentences are scored one by one, and support words get a weight.

Labels, from best to worst: `positive`, `neutral`, `negative`, `frustrated`
(negative and saying it has happened before or is taking too long, or strongly
negative, or shouting).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
FRUSTRATED = "frustrated"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE, FRUSTRATED)

SUPPORT_WORDS = {
    "working": 1.0,  # so that "not working" counts against
    "works": 1.0,
    "crashes": -1.7,
    "crashing": -1.7,
    "crashed": -1.7,
    "freezes": -1.5,
    "freezing": -1.2,
    "drops": -1.0,
    "dropping": -1.0,
    "dropped": -1.0,
    "outage": -1.8,
    "overcharged": -2.2,
    "scammed": -2.7,
    "joke": -1.5,  # "this is a joke"
    "slow": -1.0,
    "waiting": -0.6,
    "refund": -0.4,
    "fixed": 1.6,
    "resolved": 1.6,
    "sorted": 1.2,
}

# Signs that the trouble is not new, or that patience has run out.
REPEAT_CUES = re.compile(
    r"\b(again|still|(second|third|fourth|fifth|\d+(st|nd|rd|th)) time|every (single )?time"
    r"|for (days|weeks|months|hours)|keeps? (on )?\w+ing|yet another|how many times"
    r"|nobody|no one|never (got|get|received|heard)|fed up|sick of|had enough)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # -1 (worst) to 1 (best)


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(SUPPORT_WORDS)
    return analyzer


def is_praise(word: str) -> bool:
    """A word that says how good something is ("awesome", "great"), not what it is."""
    return _analyzer().lexicon.get(word.casefold(), 0.0) >= 1.0


def _score(text: str) -> float:
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return 0.0
    scores = [_analyzer().polarity_scores(s)["compound"] for s in sentences]
    # The worst sentence counts as much as all the others: one angry line sets the tone.
    return (sum(scores) / len(scores) + min(scores)) / 2


def sentiment_of(text: str) -> Sentiment:
    score = _score(text)
    shouting = len(_SHOUT.findall(text)) >= 2 or "!!" in text
    if score <= -0.6 or (score <= -0.2 and (REPEAT_CUES.search(text) or shouting)):
        return Sentiment(FRUSTRATED, round(score, 3))
    if score <= -0.2:
        return Sentiment(NEGATIVE, round(score, 3))
    if score >= 0.3:
        return Sentiment(POSITIVE, round(score, 3))
    return Sentiment(NEUTRAL, round(score, 3))


def customer_sentiment(messages: Sequence[str]) -> Sentiment:
    """The customer's mood now: their newest messages weigh most."""
    recent = [m for m in messages if m.strip()][-3:]
    if not recent:
        return Sentiment(NEUTRAL, 0.0)
    newest = sentiment_of(recent[-1])
    if len(recent) == 1:
        return newest
    earlier = [sentiment_of(m) for m in recent[:-1]]
    if newest.label == NEGATIVE and any(s.label in (NEGATIVE, FRUSTRATED) for s in earlier):
        return Sentiment(FRUSTRATED, newest.score)  # unhappy twice in a row
    return newest
