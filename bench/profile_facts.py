"""Offline profile facts (issue 14): precision and recall on hand-labelled customer messages,
and facts per customer on whole histories, old extractor against new.

1. **The labelled set** (`bench/data/profile_facts.json`, drawn by
   `bench/profile_facts_sample.py`): 348 customer messages from LoCoMo dev (both speakers),
   the Twitter CDP dev parts, the demo's CDP slice and the ABCD sample, each with the typed facts
   a careful agent would note from it, written by hand (most messages have none). Split by
   source group before any extractor ran on it: **tune** (LoCoMo conv-26/41/42, CDP companies
   whose md5 starts with an even digit, even ABCD chats) and **held-out** (the rest). The
   extractor was tuned on the tune part only.

   Each message is one turn of its own ticket. An extracted fact is **correct** when the message
   has a label of the same category whose key (one of its `|`-separated words) is in the fact's
   text, case folded. The old extractor files whole sentences: one counts as correct only when
   it has the label's category and the sentence holds the key, i.e. states that fact (its
   "preference" and "family" sentences match no label category). **Recall** is the share of
   labels some fact of the message matches. The ABCD chats are also checked against their
   scenario (member level, city).

2. **Histories**: the 7 LoCoMo dev conversations (customer = the first speaker, ticket =
   session, as the demo loads conv-26) and the demo's customers (the demo loader's own plans
   of its ABCD, Twitter CDP and LoCoMo slices). Each ticket is extracted on its own and the
   customer's profile merged newest first as the engine's `customer_profile` does: one fact
   per text, and (new) one per single-valued category. Texts are not masked here (the mirror
   masks them before the engine sees them); the extractor drops any fact with a placeholder.

    .venv/bin/python bench/profile_facts.py                 # everything
    .venv/bin/python bench/profile_facts.py --split tune --errors   # tuning: the tune part only
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_facts_old import old_profile_facts  # noqa: E402
from helpdesk.memory.backends.embedded.extraction import (  # noqa: E402
    Extracted,
    TurnText,
    newest_profile,
    profile_facts,
)

LABELS = ROOT / "bench" / "data" / "profile_facts.json"
SHARED = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))
Extractor = Callable[[Sequence[TurnText]], list[Extracted]]
EXTRACTORS: dict[str, Extractor] = {"old": old_profile_facts, "new": profile_facts}
SAME_CATEGORY = {"tone": "skill"}


@dataclass
class Score:
    messages: int = 0
    facts: int = 0
    correct: int = 0
    labels: int = 0
    found: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    right_by_category: Counter[str] = field(default_factory=Counter)

    def line(self, name: str) -> str:
        precision = self.correct / self.facts if self.facts else float("nan")
        recall = self.found / self.labels if self.labels else float("nan")
        return (
            f"{name:<18} {self.messages:>8} {self.facts:>6} {self.correct:>8} "
            f"{precision:>9.2f} {self.found:>4}/{self.labels:<4} {recall:>6.2f} "
            f"{100 * self.facts / self.messages:>10.1f}"
        )


def _category(name: str) -> str:
    return SAME_CATEGORY.get(name, name)


def _matches(fact: Extracted, label: dict[str, str]) -> bool:
    if _category(fact.category) != _category(label["category"]):
        return False
    text = fact.text.lower()
    return any(
        re.search(rf"(?<![a-z0-9]){re.escape(key)}", text) for key in label["key"].split("|")
    )


def score_labelled(split: str, *, show_errors: bool) -> None:
    rows = [row for row in json.loads(LABELS.read_text()) if split in ("all", row["split"])]
    for part in ("tune", "held-out") if split == "all" else (split,):
        print(f"\n## Labelled messages, {part}")
        print(
            f"{'extractor':<18} {'messages':>8} {'facts':>6} {'correct':>8} {'precision':>9} "
            f"{'found':>9} {'recall':>6} {'per 100 msg':>10}"
        )
        mine = [row for row in rows if row["split"] == part]
        errors: list[str] = []
        for name, extractor in EXTRACTORS.items():
            score = Score()
            for number, row in enumerate(mine):
                facts = extractor([TurnText(number, True, "customer", row["text"])])
                labels = row["facts"]
                score.messages += 1
                score.facts += len(facts)
                score.labels += len(labels)
                for fact in facts:
                    right = any(_matches(fact, label) for label in labels)
                    score.correct += right
                    score.by_category[fact.category] += 1
                    score.right_by_category[fact.category] += right
                    if not right and name == "new":
                        errors.append(f"  wrong  {row['id']}: {fact.category}: {fact.text}")
                for label in labels:
                    hit = any(_matches(fact, label) for fact in facts)
                    score.found += hit
                    if not hit and name == "new":
                        errors.append(f"  missed {row['id']}: {label['category']}: {label['text']}")
            print(score.line(name))
            if name == "new":
                categories = ", ".join(
                    f"{category} {score.right_by_category[category]}/{count}"
                    for category, count in score.by_category.most_common()
                )
                print(f"{'':<18} correct/extracted by category: {categories}")
        if show_errors:
            print("\n".join(errors))


def _profile(tickets: list[list[TurnText]], extractor: Extractor, *, one_per: bool) -> list[str]:
    """The customer's profile as the engine shows it: newest ticket first, once per text,
    and with `one_per` once per single-valued category."""
    newest_first = [fact for turns in reversed(tickets) for fact in reversed(extractor(turns))]
    if one_per:
        shown = newest_profile(newest_first, lambda fact: (fact.category, fact.text))
    else:  # the engine before issue 14: once per text
        seen: set[str] = set()
        shown = [
            f for f in newest_first if not (f.text.lower() in seen or seen.add(f.text.lower()))
        ]
    return [f"{fact.category}: {fact.text}" for fact in shown]


def _locomo_customers() -> dict[str, list[list[TurnText]]]:
    customers = {}
    for sample in json.loads((SHARED / "locomo" / "locomo10.dev.json").read_text()):
        conversation = sample["conversation"]
        numbers = sorted(
            int(match.group(1))
            for key, value in conversation.items()
            if (match := re.fullmatch(r"session_(\d+)", key)) and value
        )
        tickets = []
        for number in numbers:
            tickets.append(
                [
                    TurnText(
                        index,
                        turn["speaker"] == conversation["speaker_a"],
                        turn["speaker"],
                        turn["text"],
                    )
                    for index, turn in enumerate(conversation[f"session_{number}"])
                ]
            )
        customers[f"LoCoMo {sample['sample_id']}"] = tickets
    return customers


def _demo_customers() -> dict[str, list[list[TurnText]]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from django.utils import timezone

    from helpdesk.demo_data import loader

    data = loader.DEMO_DATA_DIR
    plans = (
        loader._abcd_plan(path=data / loader.ABCD_FILE, now=timezone.now()),
        loader._twitter_plan(path=data / loader.TWITTER_FILE),
        loader._locomo_plan(path=data / loader.LOCOMO_FILE),
    )
    customers = {}
    for plan in plans:
        for customer in plan.customers:
            customers[f"{plan.name}: {customer.name}"] = [
                [
                    TurnText(index, message.role == "customer", message.author_name, message.body)
                    for index, message in enumerate(ticket.messages)
                ]
                for ticket in customer.tickets
            ]
    return customers


def score_histories(name: str, customers: dict[str, list[list[TurnText]]], examples: int) -> None:
    print(f"\n## {name}: {len(customers)} customers")
    totals: dict[str, list[int]] = defaultdict(list)
    new_examples: list[str] = []
    old_examples: list[str] = []
    for customer, tickets in customers.items():
        old = _profile(tickets, old_profile_facts, one_per=False)
        new = _profile(tickets, profile_facts, one_per=True)
        totals["old"].append(len(old))
        totals["new"].append(len(new))
        new_examples.extend(f"{customer}: {fact}" for fact in new)
        old_examples.extend(f"{customer}: {fact[:110]}" for fact in old[:2])
        if len(customers) <= 10:
            print(f"  {customer:<40} old {len(old):>4}  new {len(new):>3}")
    for extractor, counts in totals.items():
        with_any = sum(1 for count in counts if count)
        print(
            f"  {extractor}: {sum(counts)} facts, {sum(counts) / len(counts):.1f} per customer, "
            f"{with_any} of {len(counts)} customers with any"
        )
    print("  examples (new):")
    for line in new_examples[:examples]:
        print(f"    {line}")
    print("  examples (old, two per customer):")
    for line in old_examples[:8]:
        print(f"    {line}")


def score_abcd() -> None:
    """ABCD's scenario holds the customer's member level and city: each plan or location fact
    should agree with it (the three sample chats; few customers say either)."""
    print("\n## ABCD sample: facts against the scenario's member_level and city")
    for chat in json.loads((SHARED / "abcd_sample" / "abcd_sample.json").read_text()):
        turns = [
            TurnText(number, speaker == "customer", speaker, text)
            for number, (speaker, text) in enumerate(chat["original"])
            if speaker in ("customer", "agent")
        ]
        personal, order = chat["scenario"]["personal"], chat["scenario"]["order"]
        checks = []
        for fact in profile_facts(turns):
            truth = {"plan": personal["member_level"], "location": order["city"]}.get(fact.category)
            verdict = (
                "" if truth is None else (" agrees" if truth in fact.text.lower() else " WRONG")
            )
            checks.append(f"{fact.category}: {fact.text}{verdict}")
        print(
            f"  chat {chat['convo_id']} (member_level {personal['member_level']}, "
            f"city {order['city']}): {'; '.join(checks) or 'no facts'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("all", "tune", "held-out"), default="all")
    parser.add_argument("--errors", action="store_true", help="list the new extractor's misses")
    parser.add_argument("--no-histories", action="store_true")
    args = parser.parse_args()
    score_labelled(args.split, show_errors=args.errors)
    score_abcd()
    if not args.no_histories:
        score_histories("LoCoMo dev histories", _locomo_customers(), examples=30)
        score_histories("Demo customers", _demo_customers(), examples=30)


if __name__ == "__main__":
    main()
