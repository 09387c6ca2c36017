"""Ordinal wording of recurring issues (their labels: test_issue_labels.py)."""

from __future__ import annotations

import datetime

import pytest

from helpdesk.memory.selectors.recurring import (
    RecurringIssue,
    RecurringTicket,
    ordinal,
)

NOW = datetime.datetime(2026, 5, 20, 12, tzinfo=datetime.UTC)


def _issue(days_ago: list[int], current: int | None) -> RecurringIssue:
    tickets = tuple(
        RecurringTicket(
            ticket_id=index + 1,
            reference=f"T-{index + 1:06d}",
            subject="Wi-Fi",
            status="resolved",
            created_at=NOW - datetime.timedelta(days=days),
        )
        for index, days in enumerate(days_ago)
    )
    return RecurringIssue(
        label="wifi drops",
        ticket_ids=tuple(t.ticket_id for t in tickets),
        tickets=tickets,
        current_ticket_id=current,
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinal_uses_english_suffixes(number: int, expected: str) -> None:
    assert ordinal(number) == expected


def test_third_ticket_within_a_month_reads_third_time_this_month() -> None:
    assert _issue([25, 12, 0], current=3).occurrence == "3rd time this month"


def test_second_ticket_within_days_reads_second_time_this_week() -> None:
    assert _issue([3, 0], current=2).occurrence == "2nd time this week"


def test_recurrence_over_months_has_no_period() -> None:
    assert _issue([200, 90, 0], current=3).occurrence == "3rd time"


def test_the_first_ticket_of_a_group_reads_how_often_it_came() -> None:
    assert _issue([40, 0], current=1).occurrence == "1st of 2 times"


def test_group_without_a_current_ticket_has_no_occurrence() -> None:
    assert _issue([40, 0], current=None).occurrence == ""
