"""Draw the messages of the labelled profile-facts set (bench/data/profile_facts.json).

Run once, before the labels were written and before the extractor was run on any of them:

    .venv/bin/python bench/profile_facts_sample.py > /tmp/profile_facts_unlabelled.json

Customer messages holding a first-person word, from LoCoMo dev (both speakers: each speaks
about themselves), Twitter CDP dev parts (the customer's tweets), the ABCD sample (customer
turns) and the demo's Twitter slice. Two strata per source, seeded: messages that touch a
profile topic (a broad word list, far wider than the extractor's patterns) and any other
first-person message, so that many messages have no fact to find.

The split is fixed by source group, not by message: LoCoMo conv-26, conv-41 and conv-42 and
CDP companies whose name's md5 starts with an even hex digit (in the dev parts and the demo
slice alike) and ABCD chats with an even id are **tune**; everything else is **held-out**.
Labels (`facts`: category and value) were then written by hand for every message.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))
TUNE_LOCOMO = {"conv-26", "conv-41", "conv-42"}
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|my|me|mine)\b")
TOPIC = re.compile(
    r"phone|iphone|android|samsung|pixel|laptop|\bpc\b|\bmac|windows|\bios\b|router|modem|\btv\b|"
    r"console|ps4|ps5|xbox|switch|printer|tablet|ipad|camera|computer|device|plan\b|subscri|"
    r"member|premium|gold|silver|bronze|\blive\b|\blived\b|moved|\bfrom\b|\bwork|\bjob\b|speak|"
    r"language|english|spanish|french|german|e-?mail|\bcall|\btext|prefer|techn|version|"
    r"\bcity\b|country|nurse|teacher|engineer|student|owner|account|card|car\b",
    re.IGNORECASE,
)
# A third stratum for the rarer categories (where someone lives, works, what they speak, how
# they want to be reached, their plan), drawn after the first two so that those stay as drawn.
RARE_TOPIC = re.compile(
    r"\b(?:live|lived|living|moved|from|based|work|works|worked|job|speak|speaks|language|prefer|"
    r"e-?mail me|call me|text me|member|membership|plan|subscription|premium|tier|"
    r"I'm an?|I am an?)\b",
    re.IGNORECASE,
)


def company_split(company: str) -> str:
    return (
        "tune"
        if int(hashlib.md5(company.encode(), usedforsecurity=False).hexdigest()[0], 16) % 2 == 0
        else "held-out"
    )


def candidates() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for sample in json.loads((SHARED / "locomo" / "locomo10.dev.json").read_text()):
        conversation = sample["conversation"]
        split = "tune" if sample["sample_id"] in TUNE_LOCOMO else "held-out"
        for key, turns in conversation.items():
            if re.fullmatch(r"session_\d+", key) and turns:
                for turn in turns:
                    rows.append(
                        {
                            "id": f"locomo:{sample['sample_id']}:{turn['dia_id']}",
                            "source": "locomo",
                            "split": split,
                            "text": turn["text"],
                        }
                    )
    for name in ("dev.devpart.json", "test.devpart.json"):
        for conversation in json.loads((SHARED / "twitter_cdp" / name).read_text()):
            company = conversation["dialogHeader"]["company"]
            for tweet in conversation["dialogContent"]:
                if any(key.startswith("client") for key in tweet):
                    rows.append(
                        {
                            "id": f"cdp:{tweet['tweet_ID']}",
                            "source": "cdp",
                            "split": company_split(company),
                            "text": tweet["message"],
                        }
                    )
    demo = ROOT / "helpdesk" / "demo_data" / "twitter_cdp" / "conversations.json"
    for conversation in json.loads(demo.read_text()):
        company = conversation["dialogHeader"]["company"]
        for tweet in conversation["dialogContent"]:
            if any(key.startswith("client") for key in tweet):
                rows.append(
                    {
                        "id": f"demo-cdp:{tweet['tweet_ID']}",
                        "source": "demo",
                        "split": company_split(company),
                        "text": tweet["message"],
                    }
                )
    for chat in json.loads((SHARED / "abcd_sample" / "abcd_sample.json").read_text()):
        split = "tune" if chat["convo_id"] % 2 == 0 else "held-out"
        for number, (speaker, text) in enumerate(chat["original"]):
            if speaker == "customer":
                rows.append(
                    {
                        "id": f"abcd:{chat['convo_id']}:{number}",
                        "source": "abcd",
                        "split": split,
                        "text": text,
                    }
                )
    return rows


def main() -> None:
    rng = random.Random(14)
    quota = {"locomo": (90, 40), "cdp": (70, 40), "demo": (20, 10), "abcd": (100, 100)}
    chosen: list[dict[str, str]] = []
    seen: set[str] = set()
    rows = [r for r in candidates() if FIRST_PERSON.search(r["text"])]
    for source, (topic_count, other_count) in quota.items():
        own = [r for r in rows if r["source"] == source]
        topic = [r for r in own if TOPIC.search(r["text"])]
        other = [r for r in own if not TOPIC.search(r["text"])]
        for group, count in ((topic, topic_count), (other, other_count)):
            for row in rng.sample(group, min(count, len(group))):
                if row["text"] not in seen:  # the demo slice repeats some dev tweets
                    seen.add(row["text"])
                    chosen.append({**row, "facts": []})
    rare_quota = {"locomo": 40, "cdp": 30, "demo": 10}
    for source, count in rare_quota.items():
        group = [
            r
            for r in rows
            if r["source"] == source and r["text"] not in seen and RARE_TOPIC.search(r["text"])
        ]
        for row in rng.sample(group, min(count, len(group))):
            seen.add(row["text"])
            chosen.append({**row, "facts": []})
    json.dump(chosen, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
