"""An open ticket that goes quiet has its memories extracted as if it had closed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from helpdesk.memory import ids
from helpdesk.memory.backends.embedded.engine import EmbeddedBackend
from helpdesk.memory.models import Memory, MirrorEntry
from helpdesk.memory.services.mirror import mirror_enqueue_quiet
from tests.factories import CustomerFactory
from tests.memory.evermemos_server import EverMemOSServer
from tests.mirror_helpers import deliver_all, ticket_with_messages
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

LATER = timezone.now() + datetime.timedelta(hours=5)


@pytest.fixture
def open_ticket() -> Ticket:
    return ticket_with_messages(
        CustomerFactory(), "Wifi", ["I have a Fritzbox router at home. It drops."], close=False
    )


def quiet_entries(ticket: Ticket) -> list[MirrorEntry]:
    return list(ticket.mirror_entries.filter(kind=MirrorEntry.Kind.TICKET_QUIET))


def test_a_quiet_open_ticket_is_queued_once_per_quiet_spell(open_ticket: Ticket) -> None:
    assert mirror_enqueue_quiet() == 0  # just written to

    assert mirror_enqueue_quiet(now=LATER) == 1
    assert mirror_enqueue_quiet(now=LATER) == 0
    newest = open_ticket.messages.get()
    assert quiet_entries(open_ticket)[0].payload["last_message"] == newest.pk

    services.message_record(
        ticket=open_ticket,
        role=Message.Role.CUSTOMER,
        body="Still down",
        created_at=LATER + datetime.timedelta(minutes=1),
    )
    assert mirror_enqueue_quiet(now=LATER + datetime.timedelta(hours=5)) == 1


def test_closed_tickets_and_a_zero_setting_queue_nothing(settings, open_ticket: Ticket) -> None:
    ticket_with_messages(CustomerFactory(), "Done", ["All good"], close=True)
    settings.MEMORY_QUIET_MINUTES = 0
    assert mirror_enqueue_quiet(now=LATER) == 0

    settings.MEMORY_QUIET_MINUTES = 240
    assert mirror_enqueue_quiet(now=LATER) == 1  # the open one only


def test_embedded_engine_extracts_a_quiet_tickets_memories(open_ticket: Ticket) -> None:
    mirror_enqueue_quiet(now=LATER)

    deliver_all(EmbeddedBackend(embedder=None))

    facts = Memory.objects.filter(ticket_id=open_ticket.pk, kind=Memory.Kind.PROFILE)
    assert [fact.text for fact in facts] == ["Has a Fritzbox router"]


def test_evermemos_gets_a_flushing_pause_note(
    open_ticket: Ticket, evermemos_server: EverMemOSServer, evermemos_backend_factory
) -> None:
    mirror_enqueue_quiet(now=LATER)

    deliver_all(evermemos_backend_factory(evermemos_server))

    stored = evermemos_server.messages(ids.group_id(open_ticket.pk))
    newest = open_ticket.messages.get()
    assert stored[-1]["message_id"] == ids.quiet_message_id(open_ticket.pk, newest.pk)
    assert stored[-1]["flush"] is True
    assert evermemos_server.episodes()
