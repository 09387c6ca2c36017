"""The embedded engine's own tables: what it was told, and what it learned from that.

Nothing here points at the product's tables: a customer, a ticket and a message are the
numbers of the ids the mirror sent (`customer_12`, `ticket_5`, `msg_77`), and every text is
the text the mirror sent, secrets already masked. Forgetting a customer deletes their rows
here (`EmbeddedBackend.forget_customer`), as EverMemOS forgets on its side.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemoryGroup(models.Model):
    """A ticket as the engine was told of it: one memory group."""

    ticket_id = models.BigIntegerField(unique=True)
    customer_id = models.BigIntegerField(db_index=False)  # memgroup_customer_idx
    name = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["customer_id", "-created_at"], name="memgroup_customer_idx")
        ]

    def __str__(self) -> str:
        return self.name or f"group of ticket {self.ticket_id}"


class MemoryDocument(models.Model):
    """A message as the engine indexes it; one per message, so ingest is idempotent."""

    customer_id = models.BigIntegerField(db_index=False)  # memdoc_customer_idx
    ticket_id = models.BigIntegerField(db_index=False)  # memdoc_customer_idx
    message_id = models.BigIntegerField(unique=True)
    speaker = models.CharField(max_length=200, help_text="Who wrote it, as ranking sees it.")
    is_customer = models.BooleanField(default=False)
    text = models.TextField()
    created_at = models.DateTimeField()
    vector = models.BinaryField(null=True, blank=True)
    prepared = models.TextField(
        blank=True,
        default="",
        help_text="Its words as ranking counts them (JSON, made at ingest); empty: not yet.",
    )

    class Meta:
        indexes = [models.Index(fields=["customer_id", "ticket_id"], name="memdoc_customer_idx")]

    def __str__(self) -> str:
        return f"document of message {self.message_id}"


class MemoryQueryVector(models.Model):
    """A text the engine expects to be asked with, embedded as a query when it was delivered:
    a customer's message (the ticket page asks with the newest) and all the customer wrote in
    a ticket (the recurring check asks with it, for the ticket and for its candidates)."""

    customer_id = models.BigIntegerField(db_index=False)  # memquery_customer_digest_uniq
    ticket_id = models.BigIntegerField(db_index=False)
    of_ticket = models.BooleanField(
        default=False, help_text="All the customer wrote in the ticket (replaced as it grows)."
    )
    digest = models.CharField(max_length=64, help_text="sha256 of the text as embedded.")
    vector = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "digest"], name="memquery_customer_digest_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"query vector of ticket {self.ticket_id}"


class Memory(models.Model):
    """What the engine learned: an episode of a ticket, a fact, or a profile fact."""

    class Kind(models.TextChoices):
        EPISODE = "episode", _("Episode")
        FACT = "fact", _("Fact")
        PROFILE = "profile", _("Profile fact")

    customer_id = models.BigIntegerField(_("customer"), db_index=False)
    ticket_id = models.BigIntegerField(_("source ticket"), null=True, blank=True, db_index=False)
    source_message_id = models.BigIntegerField(_("source message"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name_plural = _("memories")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer_id", "kind", "-created_at"], name="memory_customer_kind_idx"
            ),
            models.Index(fields=["ticket_id", "kind"], name="memory_ticket_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"
