"""Mail taken in (its Message-ID, the message it became or why it was ignored), files, and
the websites that embed the chat widget with the conversations started there, and mail
sent out (the outbox of agents' and the bot's replies on e-mail tickets)."""

from __future__ import annotations

import mimetypes
import secrets
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.outbox import OutboxRow
from tickets.models import Message, Ticket, format_reference


class IgnoredReason(models.TextChoices):
    AUTO_REPLY = "auto-reply", _("Auto-reply")
    BOUNCE = "bounce", _("Delivery report")
    LOOP = "loop", _("Loop with our own address")
    FLOOD = "flood", _("Over the sender's hourly limit")


class InboundMail(models.Model):
    """One mail taken in, by Message-ID: a reposted mail is found here and not stored again.

    Replies thread by these ids (`In-Reply-To`, `References`). An ignored mail keeps only
    its id, the reason and the time: no address, no text.
    """

    IgnoredReason = IgnoredReason

    mail_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_mail",
        verbose_name=_("message"),
    )
    ignored_reason = models.CharField(
        _("ignored as"), max_length=16, choices=IgnoredReason.choices, blank=True
    )
    sent_at = models.DateTimeField(_("sent (Date header)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message__isnull=False, ignored_reason="")
                | models.Q(message__isnull=True) & ~models.Q(ignored_reason=""),
                name="inbound_mail_message_or_ignored",
            ),
        ]

    def __str__(self) -> str:
        return f"<{self.mail_id}>"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A path of our making: the sender's file name never reaches the file system."""
    extension = mimetypes.guess_extension(instance.content_type) or ""
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    """A file a customer's mail carried, kept with the message; agents download it."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    is_inline = models.BooleanField(_("inline"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return self.filename


def _site_key() -> str:
    return secrets.token_urlsafe(12)


def _identity_secret() -> str:
    return secrets.token_urlsafe(32)


def origin_of(value: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin`, or ValidationError."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            _("%(value)s is not an origin like https://shop.example.com."), params={"value": value}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(
            _("%(value)s has more than scheme, host and port."), params={"value": value}
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


class WidgetSite(models.Model):
    """A website allowed to embed the chat widget: its public key goes in the script tag,
    its origins are the only ones the widget's API answers (CORS), and its identity secret
    signs the ids of the site's signed-in users (an HMAC the site computes on its server)."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("site key"), max_length=32, unique=True, default=_site_key)
    origins = models.TextField(
        _("allowed origins"),
        help_text=_("One per line, as the browser shows them: https://shop.example.com"),
    )
    identity_secret = models.CharField(
        _("identity secret"),
        max_length=64,
        default=_identity_secret,
        help_text=_("Keep it on the site's server: it signs the ids of its signed-in users."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("chat widget site")

    def __str__(self) -> str:
        return self.name

    def origin_list(self) -> list[str]:
        return [origin_of(line) for line in self.origins.split() if line.strip()]

    def clean(self) -> None:
        lines = [line for line in self.origins.split() if line.strip()]
        if not lines:
            raise ValidationError({"origins": _("Name at least one origin.")})
        errors = []
        for line in lines:
            try:
                origin_of(line)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError({"origins": errors})
        self.origins = "\n".join(origin_of(line) for line in lines)


class WidgetConversation(models.Model):
    """A ticket started in the chat widget: on which site, by which visitor."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="widget_conversation"
    )
    site = models.ForeignKey(WidgetSite, on_delete=models.CASCADE, related_name="conversations")
    visitor = models.CharField(_("visitor"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chat widget conversation")

    def __str__(self) -> str:
        return f"{self.site}: {self.ticket_id}"


class OutgoingMail(OutboxRow):
    """A reply on an e-mail ticket, to send to its customer: queued with the reply, in its
    transaction, and sent after commit by the outbox worker (`helpdesk.outbox`).

    Its Message-ID and threading headers are fixed when it is queued, so that the customer's
    answer threads back onto the ticket even before (or whether or not) it went out; the
    text is the reply's own. The delivery state (pending, sending, delivered, failed, tries,
    last error) is the shared outbox's.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="outgoing_mail", verbose_name=_("ticket")
    )
    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        related_name="outgoing_mail",
        verbose_name=_("message"),
    )
    mail_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    to_address = models.EmailField(_("to"), max_length=254)
    to_name = models.CharField(_("to (name)"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [
            models.Index(
                fields=["id", "next_attempt_at"],
                condition=models.Q(state="pending"),
                name="outgoing_mail_pending_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="outgoing_mail_sending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Mail <{self.mail_id}> on {format_reference(self.ticket_id)} ({self.state})"
