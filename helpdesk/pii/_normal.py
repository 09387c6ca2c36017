"""Text as secrets are matched: NFKC, one plain space per gap, and a way back to the original.

People type card numbers with full-width digits, IBANs with no-break spaces and passwords
after a thin space. The secret detectors read a normalised copy of the text:

* NFKC, character by character (a full-width digit is a digit, the ligature "fi" two letters);
* every Unicode space (no-break, thin, narrow no-break, ideographic, tab) is one ``" "``, and a
  run of them is one ``" "`` too;
* Unicode dashes and minus signs are ``"-"``; zero-width characters and soft hyphens are gone.

`Normalised.span` maps a span of the copy back to the original characters it came from, so
what is masked is always the original text, however the lengths changed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACES = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# What may need rewriting: a gap (two or more spaces, a tab, one Unicode space), or a run of
# other non-ASCII characters.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ODD = re.compile(
    rf"[{_SPACES}]{{2,}}|[\t{_SPACES[2:]}]"
    rf"|(?:[A-Za-z](?=[{_MARKS}]))?[^\x00-\x7f{_SPACES[2:]}]+"
)
# One character and the combining marks after it ("n" and a tilde are one "ñ").
_CLUSTER = re.compile(rf"(?s).[{_MARKS}]*")
_PLAIN = re.compile(rf"[{_DASHES}{_INVISIBLE}]")
_GAP = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def _cluster(chars: str) -> str:
    """The normalised form of one character (not a space) and the marks on it."""
    if chars in _DASHES:
        return "-"
    if chars in _INVISIBLE:
        return ""
    return unicodedata.normalize("NFKC", chars)


@dataclass(frozen=True)
class Normalised:
    """The normalised copy of a text, and where each of its characters came from."""

    text: str
    # For each character of `text`: the start and end of the original characters it stands
    # for. None when `text` is the original itself.
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind `text[start:end]` (end exclusive, start < end)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    """NFKC and plain single spaces; the identity (no map) for plain ASCII text."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0

    def keep(upto: int) -> None:
        pieces.append(text[pos:upto])
        starts.extend(range(pos, upto))
        ends.extend(range(pos + 1, upto + 1))

    for m in _ODD.finditer(text):
        a, b = m.span()
        found = m[0]
        if found[0] in _GAP:
            if found == " ":
                continue
            keep(a)
            pieces.append(" ")
            starts.append(a)
            ends.append(b)
        elif unicodedata.is_normalized("NFKC", found) and not _PLAIN.search(found):
            continue
        else:
            keep(a)
            for c in _CLUSTER.finditer(found):
                new = _cluster(c[0])
                pieces.append(new)
                starts.extend([a + c.start()] * len(new))
                ends.extend([a + c.end()] * len(new))
        pos = b
    if not pieces:
        return Normalised(text)
    keep(len(text))
    return Normalised("".join(pieces), tuple(starts), tuple(ends))
