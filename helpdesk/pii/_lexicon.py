"""Word lists for names, loaded once from installed packages (no download, no model).

* ``names`` (required): US census first names and surnames.
* ``nomquamgender`` (optional): about 700,000 given names from many countries with how often
  each was seen; only its data file is read (the module itself is not imported, it needs pandas).
* ``wordfreq`` (optional): English word frequencies, to tell a common word ("Will", "Grace",
  "Apple") from a name. Without it a small built-in list of common words is used.

Every list is optional except ``names``: when an optional package is missing the filter keeps
working with the census lists, and finds fewer foreign names.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path

from . import _patterns as P

# A given name must have been seen at least this often in nomquamgender's sources.
MIN_GIVEN_COUNT = 40
# English words at least this frequent (Zipf scale: 6 = once per million words... 3 = once per
# billion) are taken as ordinary words, not names, unless the census lists them as names.
COMMON_ZIPF = 4.0
RARE_ZIPF = 2.6  # below this a capitalised word is no common English word


@cache
def census_first() -> frozenset[str]:
    return census_first_all() - P.STOP


@cache
def census_first_all() -> frozenset[str]:
    """Census first names, cue and common words included ("will", "grace")."""
    base = resources.files("names")
    found: set[str] = set()
    for fn in ("dist.male.first", "dist.female.first"):
        for line in base.joinpath(fn).read_text().splitlines():
            if line.strip():
                found.add(line.split()[0].casefold())
    return frozenset(found)


@cache
def census_last_all() -> frozenset[str]:
    text = resources.files("names").joinpath("dist.all.last").read_text()
    return frozenset(line.split()[0].casefold() for line in text.splitlines() if line.strip())


@cache
def census_last() -> frozenset[str]:
    return frozenset(w for w in census_last_all() if len(w) >= 4) - P.STOP - P.COMMON


def _package_file(package: str, name: str) -> Path | None:
    """A data file of an installed package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


_NQG_ROW = re.compile(r'"([^"\\]{2,40})": \[\d+, (\d+),')


def _count(row: object) -> int:
    try:
        return int(row[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError, KeyError):
        return 0


@cache
def world_given() -> frozenset[str]:
    """Given names from many countries (nomquamgender), without common English words."""
    path = _package_file("nomquamgender", "name_data.json")
    if path is None:
        return frozenset()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    # Rows look like "name": [sources, count, p_female, ...]; reading them with a regular
    # expression avoids building the whole 700,000-entry dict (4x faster, far less memory).
    found = {m[1] for m in _NQG_ROW.finditer(raw) if int(m[2]) >= MIN_GIVEN_COUNT}
    if not found:  # another file layout: parse it
        try:
            data = json.loads(raw)
        except ValueError:
            return frozenset()
        found = {k for k, v in data.items() if _count(v) >= MIN_GIVEN_COUNT}
    found = {w for w in found if len(w) >= 2 and w.isalpha()}
    return frozenset(w for w in found if zipf(w) < COMMON_ZIPF) - P.STOP - P.COMMON


@cache
def _english() -> dict[str, float] | None:
    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        return None
    try:
        return get_frequency_dict("en", wordlist="best")
    except (OSError, LookupError, ValueError):
        return None


def zipf(word: str) -> float:
    """How common ``word`` is in English (Zipf scale, 0 when unknown or no wordfreq)."""
    freqs = _english()
    w = word.casefold()
    if freqs is None:
        return 7.0 if w in P.STOP or w in P.COMMON else 0.0
    f = freqs.get(w, 0.0)
    return math.log10(f * 1e9) if f > 0 else 0.0


def has_wordfreq() -> bool:
    return _english() is not None


def is_given(word: str) -> bool:
    w = word.casefold()
    return w in census_first() or w in world_given()


def is_surname(word: str) -> bool:
    return word.casefold() in census_last()


def is_common(word: str) -> bool:
    """An ordinary English word (or a cue/label word): never a name by itself."""
    w = word.casefold().rstrip(".")
    return w in P.STOP or w in P.COMMON or zipf(w) >= COMMON_ZIPF


def is_rare(word: str) -> bool:
    """No common English word: a capitalised rare word is a proper noun."""
    w = word.casefold()
    return w not in P.STOP and w not in P.COMMON and zipf(w) < RARE_ZIPF
