"""Tickets, messages, the audit trail and handoffs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from customers.models import Customer

REFERENCE_PREFIX = "T-"


def format_reference(ticket_id: int) -> str:
    return f"{REFERENCE_PREFIX}{ticket_id:06d}"


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketChannel(models.TextChoices):
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    SOCIAL = "social", _("Social media")
    API = "api", _("API")


class Ticket(models.Model):  # type: ignore[django-manager-missing]  # tagged_items: taggit is untyped
    Status = TicketStatus
    Priority = TicketPriority
    Channel = TicketChannel

    ACTIVE_STATUSES = (Status.OPEN, Status.PENDING, Status.ESCALATED)
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

    # No index of its own on this and other foreign keys that lead a composite index below:
    # the composite one serves their lookups and cascades, and one index less speeds writes.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="tickets",
        verbose_name=_("customer"),
        db_index=False,  # ticket_customer_created_idx
    )
    subject = models.CharField(_("subject"), max_length=200)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.CHAT
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
        db_index=False,  # ticket_assignee_idx
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_message_at = models.DateTimeField(
        _("last activity"), default=timezone.now, help_text=_("Time of the newest message.")
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    tags = TaggableManager(
        through="TaggedTicket",
        blank=True,
        verbose_name=_("tags"),
        help_text=_("Words that sort tickets: billing, outage, vip..."),
    )

    class Meta:
        ordering = ["-last_message_at", "-id"]
        permissions = [("assign_ticket", "Can assign tickets to agents")]
        indexes = [
            models.Index(fields=["status", "-last_message_at"], name="ticket_status_activity_idx"),
            models.Index(
                fields=["assigned_to", "status", "-last_message_at"], name="ticket_assignee_idx"
            ),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_created_idx"),
            models.Index(fields=["-last_message_at", "-id"], name="ticket_activity_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=TicketPriority.values),
                name="ticket_priority_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=""), name="ticket_subject_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return format_reference(self.pk) if self.pk else ""

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE_STATUSES


def user_display_name(user: User) -> str:
    """A user as pages name them: the full name, else the username."""
    return user.get_full_name() or user.get_username()


# Held by integrations (the Integrations group): sign a message with a name of their choosing.
SET_MESSAGE_AUTHOR = "tickets.set_message_author"


class MessageRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    NOTE = "note", _("Internal note")  # agents only: never sent, shown or quoted to a customer


class MessageQuerySet(models.QuerySet["Message"]):
    def conversation(self) -> MessageQuerySet:
        """What the customer and our side said to each other: no internal notes."""
        return self.exclude(role=MessageRole.NOTE)


class Message(models.Model):
    Role = MessageRole

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("ticket"),
        db_index=False,  # message_ticket_idx
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("agent"),
        help_text=_("The agent who wrote it, for agent messages."),
    )
    author_name = models.CharField(
        _("author"), max_length=200, blank=True, help_text=_("Name shown with the message.")
    )
    # Who really posted it, whatever name it shows: only integrations may set `author_name`,
    # and pages show this account beside a name that is not its own.
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages_posted",
        verbose_name=_("posted by"),
        help_text=_(
            "The account that posted it: the agent in the portal, the agent or integration "
            "through the API. Empty for the bot, imports and the demo data."
        ),
        db_index=False,  # message_posted_by_idx, partial: most messages have no poster
    )
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # NULL, not "", for "no external id": the per-ticket unique constraint skips NULLs.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"),
        max_length=128,
        null=True,
        blank=True,
        help_text=_("The sender's own id for this message; unique within the ticket."),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("set_message_author", "Can sign messages with another name")]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_idx"),
            models.Index(
                fields=["posted_by"],
                condition=models.Q(posted_by__isnull=False),
                name="message_posted_by_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="message_external_id_unique_per_ticket",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=MessageRole.values), name="message_role_valid"
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="message_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} message on {format_reference(self.ticket_id)}"

    @property
    def display_author(self) -> str:
        if self.author_name:
            return self.author_name
        if self.author_id and self.author:
            return user_display_name(self.author)
        return self.get_role_display()

    @property
    def posted_via(self) -> str:
        """The account that really posted it, when the message shows another name; else ""."""
        if self.posted_by_id is None or self.posted_by is None:
            return ""
        poster = user_display_name(self.posted_by)
        return "" if poster == self.display_author else poster


class TicketEvent(models.Model):
    """The audit trail: who changed what on a ticket, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        ASSIGNED = "assigned", _("Assigned")
        ESCALATED = "escalated", _("Escalated")
        MEMORY_CHANGED = "memory_changed", _("Memory changed")
        TAGS_CHANGED = "tags_changed", _("Tags changed")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("ticket"),
        db_index=False,  # event_ticket_idx
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket_events",
        verbose_name=_("actor"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    old_value = models.CharField(_("from"), max_length=200, blank=True)
    new_value = models.CharField(_("to"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {format_reference(self.ticket_id)}"

    @property
    def shows_change(self) -> bool:
        """Whether the trail shows "old → new" for this event."""
        return self.kind != self.Kind.CREATED and bool(self.old_value or self.new_value)

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return "system"
        return user_display_name(self.actor)


class CustomerSentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    FRUSTRATED = "frustrated", _("Frustrated")


class Handoff(models.Model):
    """What the agent taking over an escalated ticket needs to know, written when it escalated.

    Built from the ticket and its memory with personal data masked; the newest one of a
    ticket is shown at the top of its page.
    """

    Sentiment = CustomerSentiment

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("ticket")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="handoffs_received",
        verbose_name=_("assigned to"),
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs_made",
        verbose_name=_("escalated by"),
        help_text=_("Empty when the bot escalated."),
    )
    reason = models.TextField(_("reason"))
    customer_summary = models.TextField(_("customer summary"))
    issue_summary = models.TextField(_("issue summary"))
    attempted_solutions = models.JSONField(_("attempted solutions"), default=list, blank=True)
    customer_sentiment = models.CharField(
        _("customer sentiment"), max_length=16, choices=CustomerSentiment.choices
    )
    relevant_history = models.JSONField(_("relevant history"), default=list, blank=True)
    open_questions = models.JSONField(_("open questions"), default=list, blank=True)
    composer = models.CharField(_("written by"), max_length=16, help_text=_("'llm' or 'offline'."))
    redactions = models.PositiveIntegerField(_("items masked"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "-created_at"], name="handoff_ticket_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer_sentiment__in=CustomerSentiment.values),
                name="handoff_sentiment_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Handoff of {format_reference(self.ticket_id)}"


class TaggedTicket(TaggedItemBase):
    """A tag on a ticket: a direct foreign key (no generic relation), so a tag filter is a
    plain join."""

    content_object: models.ForeignKey[Ticket, Ticket] = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="tagged_items", verbose_name=_("ticket")
    )

    class Meta:
        verbose_name = _("ticket tag")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="ticket_tag_once")
        ]


class Macro(models.Model):
    """A canned reply: its text (with placeholders such as {first_name} and {reference})
    and what it does to the ticket when the reply is sent (status, priority, tags).
    Shared with the whole team, or one agent's own (`owner`)."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {first_name} and {customer_name} (the customer's), {agent_name} "
            "and {agent_first_name} (who sends it), {reference}, {subject}."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("owner"),
        help_text=_("Empty: shared with every agent."),
    )
    set_status = models.CharField(
        _("then set status"), max_length=16, choices=TicketStatus.choices, blank=True
    )
    set_priority = models.CharField(
        _("then set priority"), max_length=16, choices=TicketPriority.choices, blank=True
    )
    add_tags = models.JSONField(_("then add tags"), default=list, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=models.Q(owner__isnull=False),
                name="macro_name_once_per_owner",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(owner__isnull=True),
                name="macro_name_once_shared",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None
