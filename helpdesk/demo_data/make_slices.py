"""Rebuild the demo slices in this folder from the full development sets.

Run by hand, never by the product or its tests:

    .venv/bin/python helpdesk/demo_data/make_slices.py --source ../shared/data

Standard library only. The output is deterministic: the same source files give
byte-identical slices. What it selects and changes is described in SOURCES.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

TWITTER_TARGET = 60
TWITTER_PAIRS = 8
TWITTER_PER_COMPANY = 8
TWITTER_EPOCH_MS = 1288834974657  # Twitter "snowflake" ids count milliseconds from here.

MENTION = re.compile(r"@(\w+)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://\S+")
PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
EMAIL_MASK = "[email removed]"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pseudonym(handle: str) -> str:
    return f"user_{sha(handle.lower())[:8]}"


def tweet_pseudonym(tweet_id: str) -> str:
    return f"tw{sha('tweet:' + tweet_id)[:16]}"


def snowflake_time(tweet_id: str) -> str:
    millis = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    moment = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def client_handles(conversation: dict[str, Any]) -> set[str]:
    return {
        value
        for turn in conversation["dialogContent"]
        for key, value in turn.items()
        if key.startswith("client")
    }


def texts(conversation: dict[str, Any]) -> list[str]:
    turns = [turn["message"] for turn in conversation["dialogContent"]]
    return [*turns, conversation["agentURL"]["url_utterance"]]


def is_eligible(conversation: dict[str, Any], companies: set[str]) -> bool:
    """Keep a conversation only if pseudonymising its client handle hides every person in it."""
    clients = {handle.lower() for handle in client_handles(conversation)}
    if len(clients) != 1:
        return False  # one customer per ticket: skip threads where a second person joins
    for text in map(mask_emails, texts(conversation)):
        mentioned = {handle.lower() for handle in MENTION.findall(text)}
        if mentioned - clients - companies:
            return False  # another person (or an account we cannot tell from one)
        bare = MENTION.sub(" ", text).lower()
        if any(re.search(rf"\b{re.escape(handle)}\b", bare) for handle in clients):
            return False  # the handle also appears as a plain word or inside a URL
    for turn in conversation["dialogContent"]:
        if any(key.startswith("client") for key in turn):
            without_urls = URL.sub(" ", turn["message"])
            for match in PHONE_LIKE.finditer(without_urls):
                if sum(char.isdigit() for char in match.group()) >= 9:
                    return False  # a customer's own phone or account number
    return True


def mask_emails(text: str) -> str:
    return EMAIL.sub(EMAIL_MASK, text)


def scrub(text: str, handles: set[str]) -> str:
    text = mask_emails(text)
    for handle in sorted(handles, key=len, reverse=True):
        text = re.sub(rf"@{re.escape(handle)}\b", "@" + pseudonym(handle), text, flags=re.I)
    return text


def pseudonymise(conversation: dict[str, Any]) -> dict[str, Any]:
    handles = client_handles(conversation)
    content = []
    for turn in conversation["dialogContent"]:
        changed = {}
        for key, value in turn.items():
            if key.startswith("client"):
                changed[key] = pseudonym(value)
            elif key == "message":
                changed[key] = scrub(value, handles)
            elif key == "tweet_ID":
                changed[key] = tweet_pseudonym(value)
            else:
                changed[key] = value
        content.append(changed)
    agent_url = dict(conversation["agentURL"])
    agent_url["datetime"] = snowflake_time(agent_url["tweet_ID"])
    agent_url["tweet_ID"] = tweet_pseudonym(agent_url["tweet_ID"])
    agent_url["url_utterance"] = scrub(agent_url["url_utterance"], handles)
    return {
        "dialogHeader": conversation["dialogHeader"],
        "dialogContent": content,
        "agentURL": agent_url,
    }


def select_twitter(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    companies = {c["dialogHeader"]["company"].lower() for c in conversations}
    eligible = [c for c in conversations if is_eligible(c, companies)]

    def when(conversation: dict[str, Any]) -> tuple[str, str]:
        header = conversation["dialogHeader"]
        return header["conversationDateTime"], header["sessionID"]

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for conversation in eligible:
        key = (conversation["dialogHeader"]["company"], conversation["agentURL"]["doc_id"])
        groups[key].append(conversation)
    pair_keys = sorted(
        (key for key, members in groups.items() if len(members) >= 2),
        key=lambda key: sha(f"{key[0]}:{key[1]}"),
    )
    chosen: list[dict[str, Any]] = []
    per_company: dict[str, int] = defaultdict(int)
    pair_companies: set[str] = set()
    for company, doc_id in pair_keys:
        if len(pair_companies) == TWITTER_PAIRS:
            break
        if company in pair_companies:
            continue  # spread the recurring issues over companies
        pair_companies.add(company)
        for member in sorted(groups[(company, doc_id)], key=when)[:2]:
            chosen.append(member)
            per_company[company] += 1
    taken = {c["dialogHeader"]["sessionID"] for c in chosen}
    for conversation in sorted(eligible, key=lambda c: sha(c["dialogHeader"]["sessionID"])):
        if len(chosen) == TWITTER_TARGET:
            break
        company = conversation["dialogHeader"]["company"]
        session = conversation["dialogHeader"]["sessionID"]
        if session in taken or per_company[company] >= TWITTER_PER_COMPANY:
            continue
        chosen.append(conversation)
        taken.add(session)
        per_company[company] += 1
    return [pseudonymise(c) for c in sorted(chosen, key=when)]


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=HERE.parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    source, out = args.source, args.out

    (out / "abcd").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "abcd_sample" / "abcd_sample.json", out / "abcd" / "abcd_sample.json")
    shutil.copyfile(source / "abcd_sample" / "LICENSE", out / "abcd" / "LICENSE")

    dev = json.loads((source / "twitter_cdp" / "dev.devpart.json").read_text(encoding="utf-8"))
    twitter = select_twitter(dev)
    write_json(out / "twitter_cdp" / "conversations.json", twitter)
    shutil.copyfile(source / "twitter_cdp" / "LICENSE", out / "twitter_cdp" / "LICENSE")

    locomo = json.loads((source / "locomo" / "locomo10.dev.json").read_text(encoding="utf-8"))
    sample = next(s for s in locomo if s["sample_id"] == "conv-26")
    write_json(
        out / "locomo" / "conv-26.json",
        {
            "sample_id": sample["sample_id"],
            "conversation": sample["conversation"],
            "event_summary": sample["event_summary"],
        },
    )
    shutil.copyfile(source / "locomo" / "LICENSE.txt", out / "locomo" / "LICENSE.txt")

    companies = sorted({c["dialogHeader"]["company"] for c in twitter})
    sys.stdout.write(f"twitter_cdp: {len(twitter)} conversations from {len(companies)} companies\n")


if __name__ == "__main__":
    main()
