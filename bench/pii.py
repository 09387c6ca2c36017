"""Recipe C bench for helpdesk.pii: presidio synth v2 (dev), k-fold by template, a generated set.

Run: .venv/bin/python bench/pii.py [-v] [--half A|B] [--folds K] [--seed S] [--count N]
[--generated-only] [--runs N] [--json PATH] [--tune module:function] (data dir: env
SHARED_DATA, else ../shared/data).

What it prints, in order:

* **dev**: the development part of the presidio synth set (1,044 texts, 146 templates), then
  the ABCD known-identifier spot check. ``--half A|B`` scores one half only, split by sentence
  template (sha256 of the template id), and stops there.
* **k-fold by template** (``--folds K``, default 5, 0 to skip): the dev records split by
  template (sha256 of the template id, modulo K). For each fold the tuning hook
  (``Tune``: training records in, a redact function out) gets the other folds' records and the
  held-out fold is scored. The default hook, ``rules_only``, trains nothing and returns
  ``helpdesk.pii.redact``: the rules were written looking at the whole dev part, so for them the
  folds are only a measure of spread across templates. The figures are unseen data only for a
  trained layer that a hook builds from its training folds (``--tune`` or ``main(tune=...)``).
* **generated**: ``bench/pii_generated.py``, support messages made with Faker in locales and
  layouts the rules were not written on (``--seed``, ``--count``); per type, per locale and,
  with ``-v``, per layout, with the leaks and over-masked stretches.
* **goals** on unseen data, leak <= 0.5% and over-masking <= 3%, with PASS or MISS per set.

Scoring (``score``; see shared/data/RECIPES.md, Recipe C):

* must-mask types are scored; a prediction overlapping an ignored gold type (GPE,
  ORGANIZATION, ...) and no gold span of its own type counts as neither TP nor FP.
* SECRET / CUSTOMER_ID predictions have no gold type: they are left out of P/R and counted in
  over-masking.
* leak: non-whitespace characters of must-mask gold spans not covered by any mask.
* over-masking, span-free: on texts with no must-mask span, masked characters outside the
  ignored-type spans / all characters outside them (``strict`` counts every character, so a
  masked city or company counts too). Outside spans: masked characters outside every gold span /
  characters outside them, on the texts with a gold span of any type, as this bench measured it
  before (so a text with only ignored spans counts in both). No spans: masked / all characters
  on the texts with no gold span at all, this bench's earlier span-free figure.
* runtime: per text, the cache of ``helpdesk.pii`` cleared before each call; ``--runs N``
  times each text N times and keeps its median.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import pii_generated
from helpdesk import pii
from helpdesk.pii import KnownIdentifiers, Redaction, redact

MUST = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
    "US_DRIVER_LICENSE", "STREET_ADDRESS", "ZIP_CODE", "IP_ADDRESS",
)  # fmt: skip
IGNORED = ("GPE", "ORGANIZATION", "DATE_TIME", "TITLE", "NRP", "AGE", "DOMAIN_NAME")
GOAL_LEAK = 0.005
GOAL_OVERMASK = 0.03

Record = dict[str, Any]
RedactFn = Callable[[str], Redaction]
Tune = Callable[[list[Record]], RedactFn]


def data_dir() -> Path:
    env = os.environ.get("SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def dev_path() -> Path:
    return data_dir() / "presidio_synth" / "synth_dataset_v2.dev.json"


def rules_only(train: list[Record]) -> RedactFn:
    """The default tuning hook: the filter has no trained part, so this returns the rules."""
    del train
    return redact


def load_tune(spec: str) -> Tune:
    """``package.module:function`` as a tuning hook."""
    module, _, name = spec.partition(":")
    hook: Tune = getattr(importlib.import_module(module), name)
    return hook


# --- scoring --------------------------------------------------------------------------------


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int, beta: float = 1.0) -> tuple[float, ...]:
    p = tp_p / n_p if n_p else 1.0
    r = tp_g / n_g if n_g else 1.0
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return p, r, f


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _rate(part: int, whole: int) -> dict[str, float | int]:
    return {"rate": part / whole if whole else 0.0, "part": part, "whole": whole}


def _forget() -> None:
    """Clear the filter's cache of detections, so every timed call detects afresh."""
    cached = getattr(pii, "_detections", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


class _Tally:
    """Characters counted for one group of texts (all, one locale, one layout, one type)."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()

    def figures(self) -> dict[str, Any]:
        c = self.c
        return {
            "texts": c["texts"],
            "leak": _rate(c["leak"], c["gold"]),
            "overmask_spanfree": _rate(c["free_masked"], c["free_chars"]),
            "overmask_spanfree_strict": _rate(c["free_masked_all"], c["free_chars_all"]),
            "overmask_outside": _rate(c["out_masked"], c["out_chars"]),
            "overmask_nospans": _rate(c["none_masked"], c["none_chars"]),
        }


def score(
    records: Sequence[Record],
    redact_fn: RedactFn = redact,
    *,
    group_keys: Sequence[str] = (),
    runs: int = 1,
) -> dict[str, Any]:
    """Score ``redact_fn`` on records of the presidio shape; every figure in a plain dict.

    ``group_keys`` names record fields (``locale``, ``layout``) to break leak and over-masking
    down by. Lists of examples hold ``[type, value, where]`` (``where`` is the template id,
    or locale/layout), and ``leaks`` the value with its masked characters shown as a block.
    """
    c: dict[str, Counter[str]] = {t: Counter() for t in MUST}
    total, by_type = _Tally(), defaultdict[str, _Tally](_Tally)
    groups: dict[str, dict[str, _Tally]] = {key: defaultdict(_Tally) for key in group_keys}
    times: list[float] = []
    misses: list[list[str]] = []
    fps: list[list[str]] = []
    leaks: list[list[Any]] = []
    overmasked: list[list[str]] = []
    redact_fn("warm up: load the name lists")
    for rec in records:
        text = rec["full_text"]
        where = "/".join(str(rec[k]) for k in ("locale", "layout") if k in rec)
        where = where or str(rec.get("template_id", ""))
        took = []
        for _ in range(max(runs, 1)):
            _forget()
            t0 = time.perf_counter()
            red = redact_fn(text)
            took.append(time.perf_counter() - t0)
        times.append(statistics.median(took))
        gold = [(s["entity_type"], s["start_position"], s["end_position"]) for s in rec["spans"]]
        must = [g for g in gold if g[0] in MUST]
        ign = [g for g in gold if g[0] in IGNORED]
        preds = [(s.kind, s.start, s.end) for s in red.spans]
        covered = [False] * len(text)
        for _, s, e in preds:
            covered[s:e] = [True] * (e - s)
        tallies = [total] + [groups[k][str(rec.get(k))] for k in group_keys]
        counts: Counter[str] = Counter(texts=1)
        for t, s, e in must:
            leaked = [i for i in range(s, e) if not text[i].isspace() and not covered[i]]
            chars = sum(not text[i].isspace() for i in range(s, e))
            counts["gold"] += chars
            counts["leak"] += len(leaked)
            by_type[t].c.update(gold=chars, leak=len(leaked))
            if leaked:
                shown = "".join(
                    text[i] if not covered[i] else "\N{FULL BLOCK}" for i in range(s, e)
                )
                leaks.append([t, shown, where, len(leaked)])
            c[t]["gold"] += 1
            same = [p for p in preds if p[0] == t]
            c[t]["tp_g_strict"] += any(p[1:] == (s, e) for p in same)
            hit = any(_overlap(p[1:], (s, e)) for p in same)
            c[t]["tp_g_len"] += hit
            if not hit:
                misses.append([t, text[s:e], where])
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
                fps.append([t, text[s:e], where])
        inside = [False] * len(text)
        for _, s, e in gold:
            inside[s:e] = [True] * (e - s)
        outside_masked = sum(cv and not x for cv, x in zip(covered, inside, strict=True))
        outside_chars = sum(not x for x in inside)
        if not must:
            counts.update(free_masked=outside_masked, free_chars=outside_chars)
            counts.update(free_masked_all=sum(covered), free_chars_all=len(text))
        if gold:
            counts.update(out_masked=outside_masked, out_chars=outside_chars)
        else:
            counts.update(none_masked=sum(covered), none_chars=len(text))
        for tally in tallies:
            tally.c.update(counts)
        for t, s, e in preds:
            if any(not inside[i] for i in range(s, e)):
                overmasked.append([t, text[s:e], where])
    types: dict[str, Any] = {}
    tot: Counter[str] = Counter()
    for t in [*MUST, "MICRO"]:
        k = tot if t == "MICRO" else c[t]
        if t != "MICRO":
            tot.update(k)
        sp, sr, sf = _prf(k["tp_p_strict"], k["pred"], k["tp_g_strict"], k["gold"])
        lp, lr, lf = _prf(k["tp_p_len"], k["pred"], k["tp_g_len"], k["gold"])
        f2 = _prf(k["tp_p_len"], k["pred"], k["tp_g_len"], k["gold"], beta=2.0)[2]
        types[t] = {
            "gold": k["gold"], "pred": k["pred"], "strict": {"p": sp, "r": sr, "f1": sf},
            "lenient": {"p": lp, "r": lr, "f1": lf, "f2": f2},
        }  # fmt: skip
    ms = sorted(times)
    return {
        **total.figures(),
        "templates": len({str(r.get("template_id")) for r in records}),
        "types": types,
        "leak_by_type": {t: by_type[t].figures()["leak"] for t in MUST if by_type[t].c["gold"]},
        "groups": {k: {g: v.figures() for g, v in sorted(groups[k].items())} for k in group_keys},
        "runtime_ms": {
            "mean": statistics.mean(ms) * 1e3 if ms else 0.0,
            "p95": ms[int(len(ms) * 0.95)] * 1e3 if ms else 0.0,
            "max": ms[-1] * 1e3 if ms else 0.0,
            "runs": max(runs, 1),
        },
        "misses": misses,
        "false_positives": fps,
        "leaks": sorted(leaks, key=lambda x: -x[3]),
        "overmasked": overmasked,
    }


# --- printing -------------------------------------------------------------------------------


def _pct(figure: dict[str, Any]) -> str:
    return f"{figure['rate']:.2%}"


def _verdict(value: float, goal: float) -> str:
    return "PASS" if value <= goal else "MISS"


def print_score(
    res: dict[str, Any], *, verbose: bool = False, top: int = 30, every_type: bool = True
) -> None:
    """The table this bench has always printed, then leak and over-masking."""
    head = f"{'type':18} {'gold':>5} {'pred':>5}  {'sP':>5} {'sR':>5} {'sF1':>5}"
    print(head + f"  {'lP':>5} {'lR':>5} {'lF1':>5} {'lF2':>5}")
    for t, k in res["types"].items():
        if not every_type and t != "MICRO" and not (k["gold"] or k["pred"]):
            continue
        s, n = k["strict"], k["lenient"]
        print(
            f"{t:18} {k['gold']:5} {k['pred']:5}  {s['p']:5.3f} {s['r']:5.3f} {s['f1']:5.3f}",
            end="",
        )
        print(f"  {n['p']:5.3f} {n['r']:5.3f} {n['f1']:5.3f} {n['f2']:5.3f}")
    leak = res["leak"]
    print(f"\nleak rate: {_pct(leak)} ({leak['part']}/{leak['whole']} chars)")
    print("leak by type:", ", ".join(f"{t} {_pct(v)}" for t, v in res["leak_by_type"].items()))
    free, strict = res["overmask_spanfree"], res["overmask_spanfree_strict"]
    print(
        f"over-masking, texts with no must-mask span: {_pct(free)} "
        f"(every character counted: {_pct(strict)}; {free['whole']} chars)"
    )
    print(f"over-masking, texts with no spans at all:    {_pct(res['overmask_nospans'])}")
    print(f"over-masking, outside gold spans:            {_pct(res['overmask_outside'])}")
    rt = res["runtime_ms"]
    runs = f" (median of {rt['runs']} runs per text)" if rt["runs"] > 1 else ""
    print(f"runtime per text: mean {rt['mean']:.2f} ms, p95 {rt['p95']:.2f} ms, ", end="")
    print(f"max {rt['max']:.2f} ms{runs}")
    if verbose:
        print_examples(res, top)


def print_examples(res: dict[str, Any], top: int) -> None:
    """Misses and false positives (by type), leaks (what is still readable) and over-masking."""

    def counted(rows: list[list[Any]]) -> list[str]:
        seen = Counter((r[0], r[1]) for r in rows)
        where = {(r[0], r[1]): r[2] for r in reversed(rows)}
        return [f"{n:3}  {t:15} {v!r}  [{where[(t, v)]}]" for (t, v), n in seen.most_common(top)]

    print(
        f"\nmisses (no mask of the same type overlaps), top {top}:",
        *counted(res["misses"]),
        sep="\n  ",
    )
    print(f"\nfalse positives (P/R), top {top}:", *counted(res["false_positives"]), sep="\n  ")
    print(f"\nleaks (masked characters shown as a block), top {top} by leaked characters:")
    for t, shown, where, n in res["leaks"][:top]:
        print(f"  {n:3}  {t:15} {shown!r}  [{where}]")
    print(f"\nover-masked (a mask reaching outside every gold span), top {top}:")
    print(*counted(res["overmasked"]), sep="\n  ")


def print_groups(res: dict[str, Any], key: str) -> None:
    rows = res["groups"].get(key, {})
    print(f"\n{'by ' + key:24} {'texts':>5} {'leak':>7} {'chars':>9} {'om free':>8} {'om out':>7}")
    for name, g in sorted(rows.items(), key=lambda kv: -kv[1]["leak"]["rate"]):
        leak = g["leak"]
        chars = f"{leak['part']}/{leak['whole']}"
        print(
            f"{name:24} {g['texts']:5} {_pct(leak):>7} {chars:>9} "
            f"{_pct(g['overmask_spanfree']):>8} {_pct(g['overmask_outside']):>7}"
        )


# --- k-fold by template ---------------------------------------------------------------------


def half_of(template_id: object) -> str:
    """Template-level split: every sentence of one template falls in the same half."""
    return "AB"[int(hashlib.sha256(str(template_id).encode()).hexdigest(), 16) % 2]


def layout_half(layout: object) -> str:
    """Layouts whose misses a developer may read (``look``) and those never read (``blind``).

    Only ``-v`` on the look half prints examples; the blind half stays unseen however the
    filter is tuned on what the bench prints."""
    return ("look", "blind")[int(hashlib.sha256(str(layout).encode()).hexdigest(), 16) % 2]


def fold_of(template_id: object, k: int) -> int:
    """Template-level k-fold: every sentence of one template falls in the same fold."""
    return int(hashlib.sha256(str(template_id).encode()).hexdigest(), 16) % k


def kfold(records: list[Record], k: int, tune: Tune = rules_only) -> dict[str, Any]:
    """Tune on k-1 folds, score the held-out one, for each fold; with the median and mean."""
    folds = []
    for i in range(k):
        train = [r for r in records if fold_of(r["template_id"], k) != i]
        test = [r for r in records if fold_of(r["template_id"], k) == i]
        res = score(test, tune(train))
        folds.append({
            "fold": i, "texts": res["texts"], "templates": res["templates"], "leak": res["leak"],
            "overmask_spanfree": res["overmask_spanfree"],
            "overmask_spanfree_strict": res["overmask_spanfree_strict"],
            "overmask_outside": res["overmask_outside"],
            "lenient_f1": res["types"]["MICRO"]["lenient"]["f1"],
            "lenient_recall": res["types"]["MICRO"]["lenient"]["r"],
        })  # fmt: skip
    measures = ("leak", "overmask_spanfree", "overmask_spanfree_strict", "overmask_outside")
    summary = {
        how: {m: fn([f[m]["rate"] for f in folds]) for m in measures}
        | {m: fn([f[m] for f in folds]) for m in ("lenient_f1", "lenient_recall")}
        for how, fn in (("median", statistics.median), ("mean", statistics.mean))
    }
    return {"k": k, "folds": folds, **summary}


def print_kfold(res: dict[str, Any]) -> None:
    print(f"\n== k-fold by template on dev ({res['k']} folds) ==")
    print(
        "the rules were written looking at the whole dev part: these folds are unseen data only "
        "for a trained layer"
    )
    print(
        f"{'fold':>6} {'texts':>5} {'tmpl':>4} {'leak':>7} {'om free':>8} {'om out':>7} {'lF1':>6}"
    )
    for f in res["folds"]:
        print(
            f"{f['fold']:6} {f['texts']:5} {f['templates']:4} {_pct(f['leak']):>7} "
            f"{_pct(f['overmask_spanfree']):>8} {_pct(f['overmask_outside']):>7} "
            f"{f['lenient_f1']:6.3f}"
        )
    for how in ("median", "mean"):
        s = res[how]
        print(
            f"{how:>6} {'':5} {'':4} {s['leak']:7.2%} {s['overmask_spanfree']:8.2%} "
            f"{s['overmask_outside']:7.2%} {s['lenient_f1']:6.3f}"
        )


# --- goals ----------------------------------------------------------------------------------


def goals(sets: dict[str, tuple[str, float, float, float]]) -> dict[str, Any]:
    """Leak and both over-masking figures of each set (id: label and figures), against the goals."""
    return {
        name: {
            "label": label, "leak": leak, "overmask_spanfree": free, "overmask_outside": out,
            "leak_ok": leak <= GOAL_LEAK, "overmask_spanfree_ok": free <= GOAL_OVERMASK,
            "overmask_outside_ok": out <= GOAL_OVERMASK,
        }
        for name, (label, leak, free, out) in sets.items()
    }  # fmt: skip


def print_goals(result: dict[str, Any]) -> None:
    """The goal is read on both over-masking figures: span-free texts, and outside spans."""
    goal = f"leak <= {GOAL_LEAK:.1%}, over-masking <= {GOAL_OVERMASK:.0%}"
    print(f"\n== goals on unseen data: {goal} ==")
    print(f"{'set':54} {'leak':>12} {'om span-free':>13} {'om outside':>13}")
    for g in result.values():
        cells = [
            f"{g[key]:.2%} {_verdict(g[key], goal)}"
            for key, goal in (
                ("leak", GOAL_LEAK),
                ("overmask_spanfree", GOAL_OVERMASK),
                ("overmask_outside", GOAL_OVERMASK),
            )
        ]
        print(f"{g['label']:54} {cells[0]:>12} {cells[1]:>13} {cells[2]:>13}")


# --- the rest -------------------------------------------------------------------------------


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


def _trimmed(res: dict[str, Any], top: int) -> dict[str, Any]:
    """A score without its long lists: the ``top`` most frequent (or biggest leaks) kept."""
    out = dict(res)
    for key in ("misses", "false_positives", "overmasked"):
        out[key] = [
            [t, v, n] for (t, v), n in Counter((r[0], r[1]) for r in res[key]).most_common(top)
        ]
    out["leaks"] = res["leaks"][:top]
    return out


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="misses, false positives, leaks"
    )
    parser.add_argument("--half", choices=("A", "B", "a", "b"), help="score one half of dev only")
    parser.add_argument("--folds", type=int, default=5, help="k of the k-fold (0: skip)")
    parser.add_argument("--seed", type=int, default=pii_generated.DEFAULT_SEED)
    parser.add_argument(
        "--count", type=int, default=pii_generated.DEFAULT_COUNT, help="generated texts"
    )
    parser.add_argument("--generated-only", action="store_true", help="the generated set alone")
    parser.add_argument("--runs", type=int, default=1, help="time each text N times (median)")
    parser.add_argument(
        "--top", type=int, default=30, help="examples shown with -v and kept in --json"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--tune", help="a tuning hook as package.module:function")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, tune: Tune | None = None) -> dict[str, Any]:
    """Run the bench; ``tune`` (or ``--tune``) is the hook that builds a redact function."""
    args = _arguments(argv)
    hook: Tune = tune or (load_tune(args.tune) if args.tune else rules_only)
    path = dev_path()
    dev: list[Record] = json.loads(path.read_text()) if path.exists() else []
    if args.half:
        half = args.half.upper()
        records = [r for r in dev if half_of(r["template_id"]) == half]
        templates = len({r["template_id"] for r in records})
        print(f"half {half}: {len(records)} texts from {templates} templates\n")
        res = score(records, hook(dev), runs=args.runs)
        print_score(res, verbose=args.verbose, top=args.top)
        return res
    out: dict[str, Any] = {
        "meta": {
            "seed": args.seed, "count": args.count, "folds": args.folds, "runs": args.runs,
            "faker": pii_generated.faker_version(), "tune": args.tune or "rules_only",
            "goals": {"leak": GOAL_LEAK, "overmask": GOAL_OVERMASK},
        }
    }  # fmt: skip
    sets: dict[str, tuple[str, float, float, float]] = {}
    fn = hook(dev)
    if not args.generated_only:
        if not dev:
            raise SystemExit(f"no dev set at {path} (set SHARED_DATA, or use --generated-only)")
        print(f"== dev: presidio synth v2, {len(dev)} texts (the rules were written on it) ==")
        res = score(dev, fn, runs=args.runs)
        print_score(res, verbose=args.verbose, top=args.top)
        sample = Path(__file__).resolve().parents[1] / "helpdesk/demo_data/abcd/abcd_sample.json"
        if sample.exists():
            abcd(sample)
        out["dev"] = _trimmed(res, args.top)
        sets["dev"] = ("dev (seen: the rules were written on it)", *_goal_figures(res))
        if args.folds >= 2:
            folds = kfold(dev, args.folds, hook)
            print_kfold(folds)
            out["folds"] = folds
            m = folds["median"]
            label = f"k-fold median ({args.folds} folds; unseen for a trained layer)"
            sets["kfold_median"] = (label, m["leak"], m["overmask_spanfree"], m["overmask_outside"])
    records = pii_generated.generate(args.count, args.seed)
    gen = pii_generated
    print(f"\n== generated: {len(records)} texts, seed {args.seed}, Faker ", end="")
    print(f"{gen.faker_version()}, {len(gen.LOCALES)} locales, {len(gen.LAYOUTS)} layouts ==")
    res = score(records, fn, group_keys=("locale", "layout", "lang"), runs=args.runs)
    print_score(res, verbose=False, top=args.top, every_type=False)
    print_groups(res, "locale")
    out["generated"] = _trimmed(res, args.top)
    label = f"generated (seed {args.seed}, {len(records)} texts)"
    sets["generated"] = (label, *_goal_figures(res))
    for half in ("look", "blind"):
        part = [r for r in records if layout_half(r["layout"]) == half]
        res = score(part, fn, group_keys=("layout",))
        if args.verbose and half == "look":
            print(f"\n== generated, the {len(part)} texts of the layouts looked at ==")
            print_groups(res, "layout")
            print_examples(res, args.top)
        out[f"generated_{half}"] = _trimmed(res, args.top)
        layouts = len({r["layout"] for r in part})
        sets[f"generated_{half}"] = (f"  of which {half} layouts ({layouts})", *_goal_figures(res))
    out["goals"] = goals(sets)
    print_goals(out["goals"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return out


def _goal_figures(res: dict[str, Any]) -> tuple[float, float, float]:
    return (res["leak"]["rate"], res["overmask_spanfree"]["rate"], res["overmask_outside"]["rate"])


if __name__ == "__main__":
    pii_generated.with_fixed_hash_seed()
    main()
