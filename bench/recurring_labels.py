"""Recurring-issue labels on Twitter CDP: what the label rule writes for each same-issue group.

Gold groups as in bench/recurring.py (same company, same support document), the first three
conversations of each issue with 2 or more, each as a ticket's text (its first 80 characters
as the subject, then what the customer wrote), split into the same `tune` and `heldout`
halves. The data set wrote every URL as the word "link": it is a URL again here, as
customers write them. Whether a label reads as a topic a person would write is a judgement:
this prints every label for reading, and counts the groups labelled and left unlabelled
(docs/benchmarks.md, "Recurring issues").

    .venv/bin/python bench/recurring_labels.py [--half tune|heldout]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.recurring import half_of, load

GROUP_SIZE = 3
_LINK_WORD = re.compile(r"\blink\b")  # the data set's stand-in for a URL: a URL again


def ticket_texts(half: str) -> dict[str, list[str]]:
    """Per issue of the half (2+ conversations): its first conversations as ticket texts."""
    by_issue = defaultdict(list)
    for conversation in load():
        if half_of(conversation.issue) == half:
            by_issue[conversation.issue].append(conversation)
    groups = {}
    for issue in sorted(by_issue):
        members = sorted(by_issue[issue], key=lambda c: (c.when, c.session))[:GROUP_SIZE]
        if len(members) < 2:
            continue
        texts = []
        for conversation in members:
            said = [
                _LINK_WORD.sub("https://example.com/x", text)
                for is_customer, text in conversation.turns
                if is_customer
            ]
            subject = " ".join((said[0] if said else "").split())[:80]
            texts.append("\n".join([subject, *said[:20]]))
        groups[issue] = texts
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--half", choices=("tune", "heldout"), action="append")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from helpdesk.memory.selectors.labels import issue_label

    for half in args.half or ["tune", "heldout"]:
        groups = ticket_texts(half)
        labels = {issue: issue_label(texts, avoid="Customer") for issue, texts in groups.items()}
        for issue, label in labels.items():
            print(f"{half:8} {label or '(none)':24} {issue[:70]}")
        named = sum(1 for label in labels.values() if label)
        print(f"{half}: {len(labels)} groups, {named} labelled, {len(labels) - named} left out\n")


if __name__ == "__main__":
    main()
