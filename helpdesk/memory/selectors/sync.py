"""How far the mirror has got: what waits, retries or failed, for a customer, a ticket or all."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from helpdesk.memory.models import MirrorEntry

State = MirrorEntry.State


@dataclass(frozen=True)
class MirrorState:
    pending: int
    failed: int
    oldest_pending_at: datetime.datetime | None
    last_error: str
    # Pending entries with at least one failed try behind them.
    retrying: int = 0

    @property
    def oldest_pending_age_seconds(self) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return round((timezone.now() - self.oldest_pending_at).total_seconds(), 1)


def mirror_state(*, customer_id: int | None = None, ticket_id: int | None = None) -> MirrorState:
    entries = MirrorEntry.objects.filter(state__in=[*MirrorEntry.UNDELIVERED_STATES, State.FAILED])
    if customer_id is not None:
        entries = entries.filter(customer_id=customer_id)
    if ticket_id is not None:
        entries = entries.filter(ticket_id=ticket_id)
    undelivered = Q(state__in=MirrorEntry.UNDELIVERED_STATES)
    totals = entries.aggregate(
        pending=Count("id", filter=undelivered),
        retrying=Count("id", filter=Q(state=State.PENDING, attempts__gt=0)),
        failed=Count("id", filter=Q(state=State.FAILED)),
        oldest=Min("created_at", filter=undelivered),
    )
    last_error = None
    if totals["failed"] or totals["retrying"]:  # else no entry has an error worth showing
        last_error = (
            entries.exclude(last_error="")
            .order_by("-id")
            .values_list("last_error", flat=True)
            .first()
        )
    return MirrorState(
        pending=totals["pending"],
        failed=totals["failed"],
        oldest_pending_at=totals["oldest"],
        last_error=last_error or "",
        retrying=totals["retrying"],
    )
