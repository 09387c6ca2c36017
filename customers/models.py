"""Customer records, their audit trail, and the record an erasure leaves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person the team supports, as known to the CRM (`external_id`)."""

    external_id = models.CharField(
        _("external id"), max_length=128, unique=True, help_text=_("The id in your CRM.")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name"], name="customer_name_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="customer_external_id_not_empty"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="customer_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class CustomerEvent(models.Model):
    """The customer's audit trail: changes to what we know of them, and who made them."""

    class Kind(models.TextChoices):
        MEMORY_DELETED = "memory_deleted", _("Memory deleted")
        MEMORY_CORRECTED = "memory_corrected", _("Memory corrected")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", verbose_name=_("customer")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="customer_event_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for customer {self.customer_id}"


class ErasureRecord(models.Model):
    """Proof that a customer's data was erased: who, when, how much. Outlives the customer.

    Holds no personal data: the external id only as a keyed hash (so "was crm-4711 erased?"
    can be answered by someone who knows the id), the former row id (a number that names
    nothing once the rows are gone) and counts.
    """

    customer_pk = models.PositiveBigIntegerField(
        _("former customer id"), unique=True, help_text=_("The erased customer's row id.")
    )
    external_id_digest = models.CharField(
        _("external id digest"),
        max_length=64,
        db_index=True,
        help_text=_("HMAC-SHA256 of the external id, keyed with the site's secret key."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    actor_name = models.CharField(
        _("erased by (name)"),
        max_length=150,
        help_text=_("Username, or how it was run; kept when the user is deleted."),
    )
    erased_at = models.DateTimeField(_("erased"), default=timezone.now, db_index=True)
    counts = models.JSONField(_("rows erased"), default=dict, blank=True)
    memory_backend = models.CharField(_("memory backend"), max_length=32)
    memory_kept = models.JSONField(
        _("kept by the memory service"),
        default=list,
        blank=True,
        help_text=_(
            "What the memory service could not delete once it forgot the customer (its API "
            "has no call for it): to be erased on the service itself."
        ),
    )
    memory_entry = models.ForeignKey(
        "memory.MirrorEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("memory erasure"),
        help_text=_("The outbox entry that tells the memory backend to forget the customer."),
    )

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"Customer #{self.customer_pk} erased {self.erased_at:%Y-%m-%d %H:%M}"
