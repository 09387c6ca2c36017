"""Ordinal wording and labels of recurring issues."""

from __future__ import annotations

import datetime

import pytest

from helpdesk.memory.selectors.recurring import (
    RecurringIssue,
    RecurringTicket,
    issue_label,
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


def test_label_keeps_only_words_the_tickets_share() -> None:
    label = issue_label(
        [
            "Wi-Fi drops\nMy router drops the connection, I am Ada at 12 Elm Street.",
            "Dropping again\nThe connection dropped, router restarted. Call 0171 555 1234.",
        ],
        avoid="Ada Lovelace",
    )

    assert set(label.split()) <= {"router", "connection", "drops", "dropped", "dropping"}
    assert "router" in label
    assert "elm" not in label
    assert "0171" not in label


def test_label_leaves_out_handles_links_and_the_customers_name() -> None:
    label = issue_label(
        ["@ada_l lovelace billing https://x.example/a", "@ada_l lovelace billing ada@example.com"],
        avoid="Ada Lovelace",
    )

    assert label == "billing"


def test_label_without_shared_words_is_neutral() -> None:
    assert issue_label(["printer offline", "invoice wrong"]) == "same problem"


def test_label_leaves_out_a_name_the_tickets_share() -> None:
    label = issue_label(
        [
            "Printer offline\nHi Melanie, the printer is offline again.",
            "Printer offline again\nThanks Melanie! The printer went offline this morning.",
        ],
        avoid="Ada Lovelace",
    )

    assert "melanie" not in label
    assert label == "printer offline"


def test_label_leaves_out_a_secret_the_tickets_share() -> None:
    # A label goes into the model's prompt and the bot's hand-over reason.
    text = "Refused\napi_key=AKIAIOSFODNN7EXAMPLE"

    label = issue_label([text, text])

    assert "akiaiosfodnn7example" not in label.lower()
    assert label.split()[0] == "refused"  # the problem word stays
