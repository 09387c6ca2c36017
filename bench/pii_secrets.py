"""Secrets in every format people type: does any survive what the memory mirror masks?

Run: .venv/bin/python bench/pii_secrets.py [-v]

Reads the secret table (`tests/data/pii_secrets.json`: cards, IBANs, passwords, PINs, keys and
national ids in customer sentences of many languages) and its negatives
(`tests/data/pii_secret_negatives.json`: order and tracking numbers, dates, prices, versions,
phone numbers, "I forgot my password"), and masks each text with
`redact(text, kinds=SECRET_KINDS)`, what the mirror does by default. Prints:

* entries, languages, and distinct formats, counted two ways: by the secret's shape alone
  (digits, capitals, small letters, each separator kept, runs of one class as one) and by
  that shape with the two words written before it (the phrasing: "Passwort:", "carte",
  "is my");
* leaks: an entry leaks when its secret, or its letters and digits with every separator and
  case difference removed, can still be read in the output (each leak is listed);
* negatives over-masked: a negative with any span of a secret kind (each listed);
* both per kind and per language, and the mean time per text.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpdesk.pii import SECRET_KINDS, redact

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TABLE = DATA / "pii_secrets.json"
NEGATIVES = DATA / "pii_secret_negatives.json"


def load(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def compact(text: str) -> str:
    """Letters and digits only, case folded: how a secret is read whatever its separators."""
    return re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", text)).casefold()


def leaks(secret: str, masked: str) -> bool:
    """Whether `secret` can still be read in `masked`, as written or without separators."""
    return secret in masked or compact(secret) in compact(masked)


def shape(secret: str) -> str:
    """The secret's shape: 9 for a digit, A a capital, a a small letter (full-width ones
    marked), other characters as they are; a run of one class is written once."""
    out: list[str] = []
    for ch in secret:
        wide = "w" if not ch.isascii() and ch.isalnum() else ""
        cls = ("9" if ch.isdigit() else "A" if ch.isupper() else "a" if ch.isalpha() else ch) + wide
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def phrasing(text: str, secret: str) -> str:
    """The two words written before the secret, in small letters."""
    before = text[: text.index(secret)].casefold().split()
    return " ".join(before[-2:])


def formats(rows: list[dict[str, str]]) -> tuple[int, int]:
    """Distinct formats: by (kind, shape), and by (kind, phrasing, shape)."""
    shapes = {(r["kind"], shape(r["secret"])) for r in rows}
    phrased = {(r["kind"], phrasing(r["text"], r["secret"]), shape(r["secret"])) for r in rows}
    return len(shapes), len(phrased)


def main(verbose: bool = False) -> None:
    rows, negatives = load(TABLE), load(NEGATIVES)
    redact(
        "warm up: card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00", kinds=SECRET_KINDS
    )
    times: list[float] = []
    leaked: list[dict[str, str]] = []
    by_kind: dict[str, Counter[str]] = {}
    by_lang: dict[str, Counter[str]] = {}
    for row in rows:
        t0 = time.perf_counter()
        masked = redact(row["text"], kinds=SECRET_KINDS).text
        times.append(time.perf_counter() - t0)
        bad = leaks(row["secret"], masked)
        for key, table in (("kind", by_kind), ("lang", by_lang)):
            counts = table.setdefault(row[key], Counter())
            counts["entries"] += 1
            counts["leaked"] += bad
        if bad:
            leaked.append({**row, "masked": masked})
        elif verbose:
            print(f"  ok   {row['lang']} {row['kind']}: {masked}")
    over: list[tuple[dict[str, str], str]] = []
    for row in negatives:
        t0 = time.perf_counter()
        red = redact(row["text"], kinds=SECRET_KINDS)
        times.append(time.perf_counter() - t0)
        counts = by_lang.setdefault(row["lang"], Counter())
        counts["negatives"] += 1
        if red.spans:
            counts["over-masked"] += 1
            over.append((row, red.text))
    shapes, phrased = formats(rows)
    print(f"entries: {len(rows)}   languages: {len(by_lang)}   negatives: {len(negatives)}")
    print(f"distinct formats: {shapes} by kind and shape, {phrased} by kind, phrasing and shape")
    print(f"leaked: {len(leaked)} of {len(rows)}")
    for row in leaked:
        print(f"  LEAK {row['lang']} {row['kind']}: {row['text']!r} -> {row['masked']!r}")
    print(f"negatives over-masked: {len(over)} of {len(negatives)}")
    for row, masked in over:
        print(f"  OVER {row['lang']}: {row['text']!r} -> {masked!r}")
    print(f"\n{'kind':12} {'entries':>7} {'leaked':>6}")
    for kind, c in sorted(by_kind.items()):
        print(f"{kind:12} {c['entries']:7} {c['leaked']:6}")
    print(f"\n{'language':8} {'entries':>7} {'leaked':>6} {'negatives':>9} {'over-masked':>11}")
    for lang, c in sorted(by_lang.items()):
        print(f"{lang:8} {c['entries']:7} {c['leaked']:6} {c['negatives']:9} {c['over-masked']:11}")
    ms = [t * 1000 for t in times]
    print(f"\nruntime per text: mean {statistics.mean(ms):.3f} ms, max {max(ms):.3f} ms")


if __name__ == "__main__":
    main(verbose="-v" in sys.argv[1:])
