"""Recipe C bench for helpdesk.pii: presidio synth v2 (dev), plus ABCD known-identifier checks.

Run: .venv/bin/python bench/pii.py [-v] [--half A|B]   (data dir: env SHARED_DATA, else
../shared/data). ``--half`` scores one half of the dev set, split by sentence template
(sha256 of the template id), so rules tuned on one half can be checked on templates they
never saw.

Scoring (see shared/data/RECIPES.md, Recipe C):
* must-redact types are scored; a prediction overlapping an ignored gold type (GPE,
  ORGANIZATION, ...) and no gold span of its own type counts as neither TP nor FP.
* SECRET / CUSTOMER_ID predictions have no gold type: they are left out of P/R and counted in
  over-redaction.
* leak rate: non-whitespace characters of must-redact gold spans not covered by any mask.
* over-redaction: masked characters / all characters on texts with no gold span; and masked
  characters outside every gold span / characters outside gold spans on the other texts.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpdesk.pii import KnownIdentifiers, redact

MUST = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
    "US_DRIVER_LICENSE", "STREET_ADDRESS", "ZIP_CODE", "IP_ADDRESS",
)  # fmt: skip
IGNORED = ("GPE", "ORGANIZATION", "DATE_TIME", "TITLE", "NRP", "AGE", "DOMAIN_NAME")


def data_dir() -> Path:
    env = os.environ.get("SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int, beta: float = 1.0) -> tuple[float, ...]:
    p = tp_p / n_p if n_p else 1.0
    r = tp_g / n_g if n_g else 1.0
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return p, r, f


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def synth(records: list[dict], verbose: bool = False) -> None:
    # counters per type: strict/lenient TP on predictions, TP on gold, #pred, #gold
    c: dict[str, Counter[str]] = {t: Counter() for t in MUST}
    leak_chars = gold_chars = 0
    leak_by: Counter[str] = Counter()
    gold_by: Counter[str] = Counter()
    empty_masked = empty_total = out_masked = out_total = 0
    times: list[float] = []
    misses: list[tuple[str, str]] = []
    fps: list[tuple[str, str]] = []
    redact("warm up: load the name lists")
    for rec in records:
        text = rec["full_text"]
        t0 = time.perf_counter()
        red = redact(text)
        times.append(time.perf_counter() - t0)
        gold = [(s["entity_type"], s["start_position"], s["end_position"]) for s in rec["spans"]]
        must = [g for g in gold if g[0] in MUST]
        ign = [g for g in gold if g[0] in IGNORED]
        preds = [(s.kind, s.start, s.end) for s in red.spans]
        covered = [False] * len(text)
        for _, s, e in preds:
            covered[s:e] = [True] * (e - s)
        for t, s, e in must:
            for i in range(s, e):
                if not text[i].isspace():
                    gold_chars += 1
                    leak_chars += not covered[i]
                    gold_by[t] += 1
                    leak_by[t] += not covered[i]
            c[t]["gold"] += 1
            same = [p for p in preds if p[0] == t]
            c[t]["tp_g_strict"] += any(p[1:] == (s, e) for p in same)
            hit = any(_overlap(p[1:], (s, e)) for p in same)
            c[t]["tp_g_len"] += hit
            if not hit:
                misses.append((t, text[s:e]))
        for t, s, e in preds:
            if t not in MUST:
                continue
            same = [g for g in must if g[0] == t]
            strict = any(g[1:] == (s, e) for g in same)
            lenient = any(_overlap(g[1:], (s, e)) for g in same)
            if not lenient and any(_overlap(g[1:], (s, e)) for g in ign):
                continue
            c[t]["pred"] += 1
            c[t]["tp_p_strict"] += strict
            c[t]["tp_p_len"] += lenient
            if not lenient:
                fps.append((t, text[s:e]))
        if not gold:
            empty_total += len(text)
            empty_masked += sum(covered)
        else:
            inside = [False] * len(text)
            for _, s, e in gold:
                inside[s:e] = [True] * (e - s)
            out_total += sum(not x for x in inside)
            out_masked += sum(cv and not x for cv, x in zip(covered, inside, strict=True))
    head = f"{'type':18} {'gold':>5} {'pred':>5}  {'sP':>5} {'sR':>5} {'sF1':>5}"
    print(head + f"  {'lP':>5} {'lR':>5} {'lF1':>5} {'lF2':>5}")
    tot: Counter[str] = Counter()
    for t in [*MUST, "MICRO"]:
        k = tot if t == "MICRO" else c[t]
        if t != "MICRO":
            tot.update(k)
        sp, sr, sf = _prf(k["tp_p_strict"], k["pred"], k["tp_g_strict"], k["gold"])
        lp, lr, lf = _prf(k["tp_p_len"], k["pred"], k["tp_g_len"], k["gold"])
        f2 = _prf(k["tp_p_len"], k["pred"], k["tp_g_len"], k["gold"], beta=2.0)[2]
        print(f"{t:18} {k['gold']:5} {k['pred']:5}  {sp:5.3f} {sr:5.3f} {sf:5.3f}", end="")
        print(f"  {lp:5.3f} {lr:5.3f} {lf:5.3f} {f2:5.3f}")
    print(f"\nleak rate: {leak_chars / gold_chars:.2%} ({leak_chars}/{gold_chars} chars)")
    by_type = [f"{t} {leak_by[t] / gold_by[t]:.2%}" for t in MUST if gold_by[t]]
    print("leak by type:", ", ".join(by_type))
    print(f"over-redaction, texts with no spans: {empty_masked / max(empty_total, 1):.2%}")
    print(f"over-redaction, outside gold spans:  {out_masked / max(out_total, 1):.2%}")
    ms = sorted(times)
    print(f"runtime per text: mean {statistics.mean(ms) * 1e3:.2f} ms, ", end="")
    print(f"p95 {ms[int(len(ms) * 0.95)] * 1e3:.2f} ms, max {ms[-1] * 1e3:.2f} ms")
    if verbose:
        print("\nmisses:", *Counter(misses).most_common(60), sep="\n  ")
        print("\nfalse positives:", *Counter(fps).most_common(60), sep="\n  ")


def abcd(path: Path) -> None:
    print("\nABCD spot check (profile values passed as known identifiers):")
    for conv in json.loads(path.read_text()):
        personal, order = conv["scenario"]["personal"], conv["scenario"]["order"]
        known = KnownIdentifiers(
            names=(personal.get("customer_name", ""),),
            emails=(personal.get("email", ""),),
            phones=(personal.get("phone", ""),),
            ids=(personal.get("username", ""), order.get("order_id", "")),
        )
        values = [v for v in (*known.names, *known.emails, *known.ids) if v]
        values += [p for p in known.phones if p] + [v.split()[0] for v in known.names if v]
        text = "\n".join(turn[1] for turn in conv["original"])
        red = redact(text, known=known)
        left = [v for v in values if v.casefold() in red.text.casefold()]
        print(f"  convo {conv['convo_id']}: {red.count} masks, values still readable: {left}")


def half_of(template_id: object) -> str:
    """Template-level split: every sentence of one template falls in the same half."""
    return "AB"[int(hashlib.sha256(str(template_id).encode()).hexdigest(), 16) % 2]


def main() -> None:
    root = data_dir()
    records = json.loads((root / "presidio_synth" / "synth_dataset_v2.dev.json").read_text())
    if "--half" in sys.argv:
        half = sys.argv[sys.argv.index("--half") + 1].upper()
        records = [r for r in records if half_of(r["template_id"]) == half]
        templates = len({r["template_id"] for r in records})
        print(f"half {half}: {len(records)} texts from {templates} templates\n")
    synth(records, verbose="-v" in sys.argv)
    sample = Path(__file__).resolve().parents[1] / "helpdesk/demo_data/abcd/abcd_sample.json"
    if sample.exists() and "--half" not in sys.argv:
        abcd(sample)


if __name__ == "__main__":
    main()
