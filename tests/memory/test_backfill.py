"""`backfill_memory` queues history once, in order, and resumes after an interruption."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from helpdesk.memory.models import MirrorEntry
from helpdesk.memory.services.backfill import mirror_backfill
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def history() -> list[Ticket]:
    customer = CustomerFactory()
    tickets = []
    for subject in ("Printer offline", "Invoice wrong"):
        ticket = services.ticket_create(customer=customer, subject=subject)
        services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body="Help")
        services.message_record(ticket=ticket, role=Message.Role.AGENT, body="On it")
        tickets.append(ticket)
    services.ticket_close(ticket=tickets[0], status=Ticket.Status.RESOLVED, actor=None)
    MirrorEntry.objects.all().delete()  # as if the mirror had been off
    return tickets


def test_backfill_queues_each_ticket_in_order(history: list[Ticket]) -> None:
    written = mirror_backfill()

    assert written == 7  # opened + 2 messages each, one closing
    first = list(history[0].mirror_entries.order_by("id").values_list("kind", flat=True))
    assert first == ["ticket_opened", "message", "message", "ticket_closed"]


def test_backfill_run_again_queues_nothing_new(history: list[Ticket]) -> None:
    mirror_backfill()

    assert mirror_backfill() == 0
    assert MirrorEntry.objects.count() == 7


def test_interrupted_backfill_resumes_with_the_remaining_tickets(history: list[Ticket]) -> None:
    seen = []

    def stop_after_first(ticket: Ticket, entries: int) -> None:
        seen.append(ticket.pk)
        if len(seen) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mirror_backfill(on_ticket=stop_after_first)
    assert MirrorEntry.objects.count() == 4  # the first ticket, committed

    assert mirror_backfill() == 3
    assert MirrorEntry.objects.filter(ticket=history[1]).count() == 3


def test_command_with_all_queues_everything_again(history: list[Ticket]) -> None:
    call_command("backfill_memory", stdout=StringIO())
    out = StringIO()

    call_command("backfill_memory", "--all", stdout=out)

    assert MirrorEntry.objects.count() == 14
    assert "Queued 7 entries for 2 tickets" in out.getvalue()
