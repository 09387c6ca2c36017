"""Storage of the embedded memory engine (the default backend, no services needed)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from tickets.models import Message, Ticket


class MemoryDocument(models.Model):
    """A message as the embedded engine indexes it; one per message, so ingest is idempotent."""

    # db_index=False: memdoc_customer_idx starts with the customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    speaker = models.CharField(max_length=200, help_text="Who wrote it, as ranking sees it.")
    text = models.TextField()
    created_at = models.DateTimeField()
    vector = models.BinaryField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "ticket"], name="memdoc_customer_idx")]

    def __str__(self) -> str:
        return f"document of message {self.message_id}"


class Memory(models.Model):
    """What the engine learned: an episode of a ticket, a fact, or a profile fact."""

    class Kind(models.TextChoices):
        EPISODE = "episode", _("Episode")
        FACT = "fact", _("Fact")
        PROFILE = "profile", _("Profile fact")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="memories",
        verbose_name=_("customer"),
        db_index=False,  # memory_customer_kind_idx
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memories",
        verbose_name=_("source ticket"),
        db_index=False,  # memory_ticket_kind_idx
    )
    source_message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source message"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    is_corrected = models.BooleanField(
        _("corrected by an agent"),
        default=False,
        help_text=_("Kept when the ticket's memories are extracted again."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "kind", "-created_at"], name="memory_customer_kind_idx"
            ),
            models.Index(fields=["ticket", "kind"], name="memory_ticket_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"
