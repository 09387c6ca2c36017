"""The memory app's tables: the mirror's outbox and agents' notes (ours), and, imported here
so that Django registers them, the embedded engine's own tables (its backend's storage)."""

from __future__ import annotations

import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from helpdesk.memory.backends.embedded.models import (
    Memory,
    MemoryDocument,
    MemoryGroup,
    MemoryQueryVector,
)
from helpdesk.outbox import OutboxRow
from tickets.models import Message, Ticket, format_reference

__all__ = [
    "AgentNote",
    "Memory",
    "MemoryDocument",
    "MemoryGroup",
    "MemoryQueryVector",
    "MirrorEntry",
]


class AgentNote(models.Model):
    """What an agent wrote when correcting a memory: ours, shown first whatever the backend."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="memory_notes", verbose_name=_("customer")
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source ticket"),
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    ID_PREFIX = "note_"  # no backend's memory ids look like this

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def memory_id(self) -> str:
        """The id the note is shown with among the customer's memories."""
        return f"{self.ID_PREFIX}{self.pk}"

    @classmethod
    def pk_from_memory_id(cls, memory_id: str) -> int | None:
        """The note's own id, if `memory_id` names an agent note; else None."""
        number = memory_id.removeprefix(cls.ID_PREFIX)
        # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
        named = memory_id.startswith(cls.ID_PREFIX) and re.fullmatch(r"[0-9]+", number)
        return int(number) if named else None


class MirrorEntry(OutboxRow):
    """One thing to tell the memory backend, written in the same transaction as its cause.

    Its delivery state (`OutboxRow`: state, attempts, lease, last error) is the shared
    outbox's (`helpdesk.outbox`). The worker delivers entries after commit, one ticket's
    entries in order (by id), retrying with backoff; what it cannot deliver ends up `failed`
    with its error kept, visible in the admin, on the ticket page and in
    /api/health/.
    """

    class Kind(models.TextChoices):
        TICKET_OPENED = "ticket_opened", _("Ticket opened")
        MESSAGE = "message", _("Message")
        TICKET_CLOSED = "ticket_closed", _("Ticket closed")
        TICKET_QUIET = "ticket_quiet", _("Ticket went quiet")
        MEMORY_DELETED = "memory_deleted", _("Memory deleted")
        CUSTOMER_ERASED = "customer_erased", _("Customer erased")

    # Customer-level entries (a deleted profile fact, an erased customer) have no
    # ticket; they are not ordered against any ticket's entries.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mirror_entries",
        verbose_name=_("ticket"),
        db_index=False,  # mirror_ticket_order_idx
    )
    # An erased customer's entry outlives the customer: it names them only by the
    # backend's id in its payload, so it has no customer row to point at.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mirror_entries",
        verbose_name=_("customer"),
        db_index=False,  # mirror_customer_state_idx
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mirror_entries",
        verbose_name=_("message"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, blank=True)
    needs_verification = models.BooleanField(
        _("needs verification"),
        default=False,
        help_text=_(
            "The backend called it a duplicate after an earlier try failed mid-way: "
            "it may have recorded the message without processing it."
        ),
    )

    class Meta:
        verbose_name = _("memory mirror entry")
        verbose_name_plural = _("memory mirror entries")
        ordering = ["id"]
        # Delivered entries pile up (one per message ever written) while the worker's
        # queries look only at the few undelivered ones: partial indexes keep those
        # lookups small, and walking the pending ones in id order lets a claim stop after
        # its first heads even with a backlog of a million (bench/load.py). Each condition
        # repeats the query's own filter word for word, so that SQLite uses it.
        indexes = [
            models.Index(
                fields=["id", "next_attempt_at"],
                condition=models.Q(state="pending"),
                name="mirror_pending_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="mirror_sending_idx",
            ),
            models.Index(
                fields=["state"],
                condition=models.Q(state__in=["pending", "sending", "failed"]),
                name="mirror_open_idx",
            ),
            models.Index(fields=["ticket", "state", "id"], name="mirror_ticket_order_idx"),
            models.Index(fields=["customer", "state"], name="mirror_customer_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="message") | models.Q(message__isnull=False),
                name="mirror_message_entry_has_message",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["memory_deleted", "customer_erased"])
                | models.Q(ticket__isnull=False),
                name="mirror_ticket_entry_has_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="customer_erased") | models.Q(customer__isnull=False),
                name="mirror_entry_has_customer",
            ),
        ]

    def __str__(self) -> str:
        if self.ticket_id:
            where = format_reference(self.ticket_id)
        elif self.customer_id:
            where = f"customer {self.customer_id}"
        else:
            where = f"erased {self.payload.get('customer', 'customer')}"
        return f"{self.get_kind_display()} of {where} ({self.state})"
