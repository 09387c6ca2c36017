"""Data protection: export everything we hold about one customer, or erase it.

`customer_export` reads: the customer's record and audit trail, their tickets with
messages, events and handoffs, and what the active memory backend holds about them
(profile facts and each ticket's memories, read through the backend interface the
ticket page uses), as one JSON-ready dict with a schema version.

`customer_erase` writes, in one transaction: it deletes the local rows (the customer,
their tickets, messages, events, handoffs, agents' notes and every outbox entry that
would still send their text) and queues one outbox entry that tells the memory backend
to forget the customer, whichever it is: EverMemOS, or the embedded engine, which keeps
its own tables like a service. The forgetting happens in the mirror worker, never in the
request or the command: a backend that is down delays it (the entry stays pending,
visible in /api/health/) but loses nothing. Until then no page shows what it holds: every
read of memory is filtered by our own ticket rows, which are gone.
An `ErasureRecord` keeps who erased how much and when, with no personal data in it; once
the backend has forgotten, it also says what the memory service could not delete
(`memory_kept`: EverMemOS has no call that deletes profiles, for one), shown in the admin
and by `customer_data erase`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac

from customers.models import Customer, CustomerEvent, ErasureRecord
from helpdesk.channels.models import Attachment
from helpdesk.memory import ids
from helpdesk.memory.backends import get_backend
from helpdesk.memory.models import AgentNote, MirrorEntry
from helpdesk.memory.types import MemoryBackendError, ProfileFact, TicketMemory
from helpdesk.memory.wakeup import request_delivery
from tickets.models import Handoff, Message, Ticket, TicketEvent
from tickets.search import message_index_purge
from tickets.services import Actor, actor_or_none

EXPORT_SCHEMA_VERSION = 1
ERASE_PERMISSION = "customers.delete_customer"
_DIGEST_SALT = "helpdesk.privacy.external_id"


def external_id_digest(external_id: str) -> str:
    """A keyed hash of an external id: matches a known id, reveals none."""
    return salted_hmac(_DIGEST_SALT, external_id.strip(), algorithm="sha256").hexdigest()


def may_erase(user: Actor) -> bool:
    return user is not None and user.is_authenticated and user.has_perm(ERASE_PERMISSION)


# Export -------------------------------------------------------------------------


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _fact(fact: ProfileFact) -> dict[str, Any]:
    return {
        "text": fact.text,
        "kind": fact.kind,
        "source_ticket": fact.source.ticket_id,
        "source_message": fact.source.message_id,
        "memory_id": fact.memory_id,
    }


def _ticket_memory(memory: TicketMemory) -> dict[str, Any]:
    return {
        "text": memory.text,
        "created_at": _iso(memory.created_at),
        "source_message": memory.source.message_id,
        "memory_id": memory.memory_id,
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "role": message.role,
        "author": message.display_author,
        "body": message.body,
        "created_at": _iso(message.created_at),
        "external_id": message.external_id,
        # What a mail brought: named here; the files themselves are downloaded by an agent.
        "attachments": [
            {
                "id": attachment.pk,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "created_at": _iso(attachment.created_at),
            }
            for attachment in message.attachments.all()
        ],
    }


def _ticket_event(event: TicketEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "note": event.note,
        "actor": _username(event.actor),
        "created_at": _iso(event.created_at),
    }


def _handoff(handoff: Handoff) -> dict[str, Any]:
    return {
        "reason": handoff.reason,
        "customer_summary": handoff.customer_summary,
        "issue_summary": handoff.issue_summary,
        "attempted_solutions": handoff.attempted_solutions,
        "customer_sentiment": handoff.customer_sentiment,
        "relevant_history": handoff.relevant_history,
        "open_questions": handoff.open_questions,
        "assigned_to": _username(handoff.assigned_to),
        "escalated_by": _username(handoff.escalated_by),
        "created_at": _iso(handoff.created_at),
    }


def _memory(customer: Customer, tickets: list[Ticket]) -> tuple[dict[str, Any], dict[int, list]]:
    """What the memory layer holds: the backend's profile and ticket memories, our notes."""
    notes = AgentNote.objects.filter(customer=customer).order_by("created_at", "id")
    memory: dict[str, Any] = {
        "backend": settings.MEMORY_BACKEND,
        "available": True,
        "notice": "",
        "agent_notes": [
            {
                "text": note.text,
                "source_ticket": note.ticket_id,
                "created_at": _iso(note.created_at),
            }
            for note in notes
        ],
        "profile": [],
    }
    by_ticket: dict[int, list] = {ticket.pk: [] for ticket in tickets}
    backend = get_backend()
    owner = ids.customer_id(customer.pk)
    try:
        memory["profile"] = [_fact(fact) for fact in backend.customer_profile(customer_id=owner)]
        for ticket in tickets:
            found = backend.ticket_memories(customer_id=owner, group_id=ids.group_id(ticket.pk))
            by_ticket[ticket.pk] = [_ticket_memory(item) for item in found]
    except MemoryBackendError as error:
        memory["available"] = False
        memory["notice"] = f"The memory backend could not be read: {error}"
    return memory, by_ticket


def customer_export(*, customer: Customer) -> dict[str, Any]:
    """Everything we hold about `customer`, as JSON-ready data (`schema_version` 1)."""
    tickets = list(
        Ticket.objects.filter(customer=customer)
        .select_related("assigned_to")
        .prefetch_related(
            "messages__author",
            "messages__attachments",
            "events__actor",
            "handoffs__assigned_to",
            "handoffs__escalated_by",
        )
        .order_by("created_at", "id")
    )
    memory, memories_by_ticket = _memory(customer, tickets)
    events = CustomerEvent.objects.filter(customer=customer).select_related("actor")
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": _iso(timezone.now()),
        "customer": {
            "id": customer.pk,
            "external_id": customer.external_id,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "created_at": _iso(customer.created_at),
            "updated_at": _iso(customer.updated_at),
        },
        "events": [
            {
                "kind": event.kind,
                "note": event.note,
                "actor": _username(event.actor),
                "created_at": _iso(event.created_at),
            }
            for event in events.order_by("created_at", "id")
        ],
        "tickets": [
            {
                "id": ticket.pk,
                "reference": ticket.reference,
                "subject": ticket.subject,
                "channel": ticket.channel,
                "status": ticket.status,
                "priority": ticket.priority,
                "assigned_to": _username(ticket.assigned_to),
                "created_at": _iso(ticket.created_at),
                "updated_at": _iso(ticket.updated_at),
                "last_message_at": _iso(ticket.last_message_at),
                "closed_at": _iso(ticket.closed_at),
                "messages": [_message(message) for message in ticket.messages.all()],
                "events": [_ticket_event(event) for event in ticket.events.all()],
                "handoffs": [_handoff(handoff) for handoff in ticket.handoffs.all()],
                "memories": memories_by_ticket[ticket.pk],
            }
            for ticket in tickets
        ],
        "memory": memory,
    }


# Erase --------------------------------------------------------------------------


def _scrub_admin_log(customer_pk: int, ticket_pks: list[int]) -> int:
    """The admin's history names objects by their `str()` (name, external id, subject)."""
    customer_type = ContentType.objects.get_for_model(Customer)
    ticket_type = ContentType.objects.get_for_model(Ticket)
    scrubbed = LogEntry.objects.filter(
        content_type=customer_type, object_id=str(customer_pk)
    ).update(object_repr=f"erased customer #{customer_pk}")
    if ticket_pks:
        scrubbed += LogEntry.objects.filter(
            content_type=ticket_type, object_id__in=[str(pk) for pk in ticket_pks]
        ).update(object_repr="ticket of an erased customer")
    return scrubbed


def _counts(customer: Customer, ticket_pks: list[int]) -> dict[str, int]:
    return {
        "tickets": len(ticket_pks),
        "messages": Message.objects.filter(ticket__customer=customer).count(),
        "ticket_events": TicketEvent.objects.filter(ticket__customer=customer).count(),
        "handoffs": Handoff.objects.filter(ticket__customer=customer).count(),
        "attachments": Attachment.objects.filter(message__ticket__customer=customer).count(),
        "customer_events": CustomerEvent.objects.filter(customer=customer).count(),
        "agent_notes": AgentNote.objects.filter(customer=customer).count(),
        "outbox_entries": MirrorEntry.objects.filter(customer=customer).count(),
    }


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Actor, actor_name: str = "") -> ErasureRecord:
    """Delete everything we hold about `customer` and queue the memory backend's forgetting.

    `actor` must hold `customers.delete_customer` (superusers do); `None` is an operator
    at the shell, named by `actor_name`. Idempotent: erasing an erased customer returns
    the first erasure's record and does nothing else.
    """
    if actor is not None and not may_erase(actor):
        raise PermissionDenied("Erasing a customer needs the permission to delete customers.")
    locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        done = ErasureRecord.objects.filter(customer_pk=customer.pk).first()
        if done is None:
            raise Customer.DoesNotExist(f"No customer #{customer.pk}, and none was erased.")
        return done
    ticket_pks = list(Ticket.objects.filter(customer=locked).values_list("pk", flat=True))
    counts = _counts(locked, ticket_pks)
    # An entry a worker is sending right now may still reach the backend: forget after
    # its lease runs out, so the forgetting lands last.
    in_flight_until = MirrorEntry.objects.filter(
        customer=locked, state=MirrorEntry.State.SENDING
    ).aggregate(until=Max("lease_expires_at"))["until"]
    now = timezone.now()
    entry = MirrorEntry.objects.create(
        customer=None,
        kind=MirrorEntry.Kind.CUSTOMER_ERASED,
        payload={"customer": ids.customer_id(locked.pk)},
        next_attempt_at=max(now, in_flight_until or now),
    )
    counts["admin_log_entries_scrubbed"] = _scrub_admin_log(locked.pk, ticket_pks)
    # Cascades: tickets, messages, events, handoffs, agents' notes and
    # every outbox entry of the customer (their payloads would resend the text).
    locked.delete()
    message_index_purge()  # SQLite: their words out of the search index's pages now
    record = ErasureRecord.objects.create(
        customer_pk=customer.pk,
        external_id_digest=external_id_digest(locked.external_id),
        actor=actor_or_none(actor),
        actor_name=actor.get_username() if actor is not None else actor_name or "system",
        erased_at=now,
        counts=counts,
        memory_backend=settings.MEMORY_BACKEND,
        memory_entry=entry,
    )
    transaction.on_commit(request_delivery)
    return record


def customer_erasure_find(*, external_id: str) -> ErasureRecord | None:
    """The record of an erased customer, by the external id they had."""
    return ErasureRecord.objects.filter(external_id_digest=external_id_digest(external_id)).first()
