"""Is this ticket about the same problem as an earlier one of the same customer? (embedded engine)

Pure Python plus numpy, no Django: the embedded backend calls `same_problem` on a customer's
`ranking.TicketIndex`. A past ticket counts as the same problem only when all of these hold:

1. **It is among the ticket's best matches** (the top `Rule.top` of the usual ranking, which
   weighs it against the customer's other tickets).
2. **The match holds both ways**: ranking the past ticket's own customer messages against the
   customer's other tickets puts this ticket among *its* top `Rule.top` too. A past ticket that
   is everybody's nearest neighbour (a vague "please help") stops counting.
3. **It is close in absolute terms**: the e5 similarity of this ticket's text (as a query) and
   the past ticket's customer messages (their centroid) is at least `Rule.min_similarity`; a
   keyword-only engine asks instead for `Rule.min_shared_words` shared content words.

The thresholds were chosen on half of the development data and checked on the other half
(bench/recurring.py; figures in docs/benchmarks.md, "Recurring issues"). Precision matters
more than coverage here: a false "3rd time" on the page, or a wrong escalation, costs more
than a missed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpdesk.memory.backends.embedded import ranking
from helpdesk.words import tokenize

QueryVector = Callable[[str], "np.ndarray | None"]


@dataclass(frozen=True)
class Rule:
    """Chosen on the tuning half of the development data (bench/recurring.py --tune)."""

    top: int = 2
    min_similarity: float = 0.90
    min_shared_words: int = 3


@dataclass(frozen=True)
class SameProblem:
    ticket_id: ranking.Id
    similarity: float  # e5 cosine, or shared content words when keyword-only


def content_words(text: str) -> set[str]:
    """Stemmed words that can carry a problem: no function words, numbers, handles or links."""
    kept = " ".join(
        word
        for word in text.split()
        if not word.startswith(("@", "#", "http://", "https://", "www."))
    )
    return {w for w in tokenize(kept) if len(w) > 2 and not any(c.isdigit() for c in w)}


def same_problem(
    index: ranking.TicketIndex,
    *,
    ticket_id: ranking.Id,
    text: str,
    query_vector: QueryVector,
    rule: Rule | None = None,
    limit: int = 10,
) -> list[SameProblem]:
    """Past tickets in `index` about the same problem as `ticket_id`, whose text is `text`.

    `ticket_id` may be missing from `index` (its messages are not indexed yet): it then takes
    part in the two-way check as one message holding `text`. `query_vector(text)` embeds a query
    (cached by the caller), or returns None when the engine is keyword-only.
    """
    rule = rule or Rule()
    if not text.strip() or limit <= 0:
        return []
    vector = query_vector(text) if index.vectors is not None else None
    dense = vector is not None and index.customer_centroids is not None
    if index.position(ticket_id) is None:
        index = _with_ticket(index, ticket_id=ticket_id, text=text, vector=vector)
    hits = index.rank(text, query_vector=vector, limit=rule.top + 1)
    candidates = [hit.ticket_id for hit in hits if hit.ticket_id != ticket_id][: rule.top]
    words = content_words(text)
    found = []
    for candidate in candidates:
        position = index.position(candidate)
        if position is None:
            continue
        if dense:
            centroid = index.customer_centroids[position]  # type: ignore[index]  # dense checked
            closeness = float(centroid @ vector)
            if closeness < rule.min_similarity:
                continue
        else:
            closeness = float(len(words & content_words(index.customer_text(candidate))))
            if closeness < rule.min_shared_words:
                continue
        if _ranks_back(index, candidate=candidate, ticket_id=ticket_id, query_vector=query_vector,
                       top=rule.top, dense=dense):  # fmt: skip
            found.append(SameProblem(ticket_id=candidate, similarity=round(closeness, 4)))
    found.sort(key=lambda item: -item.similarity)
    return found[:limit]


def _ranks_back(
    index: ranking.TicketIndex,
    *,
    candidate: ranking.Id,
    ticket_id: ranking.Id,
    query_vector: QueryVector,
    top: int,
    dense: bool,
) -> bool:
    """Does `ticket_id` come among the `top` best matches of the candidate's own messages?"""
    text = index.customer_text(candidate)
    if not text.strip():
        return False
    vector = query_vector(text) if dense else None
    hits = index.rank(text, query_vector=vector, limit=top + 1)
    return ticket_id in [hit.ticket_id for hit in hits if hit.ticket_id != candidate][:top]


def _with_ticket(
    index: ranking.TicketIndex, *, ticket_id: ranking.Id, text: str, vector: np.ndarray | None
) -> ranking.TicketIndex:
    """The index plus the ticket as one customer message (its query vector stands in for a
    passage vector; without one the copy ranks by keywords)."""
    document = ranking.Document(
        ticket_id=ticket_id,
        message_id=f"{ticket_id}:text",
        text=text,
        vector=vector,
        is_customer=True,
    )
    prepared = ranking.prepare(document)  # the query's text; the history's words are known
    return ranking.TicketIndex(
        [*index.documents, document],
        params=index.params,
        counts=[*index.counts, prepared.terms],
        plain=[*index.plain_counts, prepared.plain],
    )
