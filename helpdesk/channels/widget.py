"""The chat widget's visitors and conversations: who is chatting, and on which ticket.

A site (`WidgetSite`) embeds the widget. A visitor is anonymous, known by a random id kept
in a signed token the widget stores, or one of the site's signed-in users, whose id the
site signs with its identity secret (HMAC-SHA256, hex): then the chat joins that
customer's tickets and memory (the id is the customer's external id). A visitor sees only
the conversations they started on that site, and only what the customer may see: their
own messages, agents' and the bot's replies.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from customers.models import Customer
from customers.services import CustomerAlreadyExistsError, customer_create
from helpdesk.channels.models import WidgetConversation, WidgetSite, origin_of
from helpdesk.text import one_line
from tickets import services as ticket_services
from tickets.models import Message, Ticket

TOKEN_SALT = "helpdesk.channels.widget.visitor"  # noqa: S105 (a namespace, not a secret)
VISITOR_PREFIX = "widget-visitor:"
USER_ID_MAX_LENGTH = 128
SUBJECT_CHARS = 80
SHOWN_ROLES = (Message.Role.CUSTOMER, Message.Role.AGENT, Message.Role.BOT)


@dataclass(frozen=True)
class Visitor:
    site: WidgetSite
    visitor: str  # a random id, or "user:<id>" for a signed-in user of the site
    user_id: str = ""  # the site's id of a signed-in user (the customer's external id)

    @property
    def identified(self) -> bool:
        return bool(self.user_id)

    @property
    def external_id(self) -> str:
        return self.user_id or f"{VISITOR_PREFIX}{self.visitor}"


def site_for_origin(*, key: str, origin: str) -> WidgetSite:
    """The active site with this key, asked from one of its origins; else PermissionDenied."""
    site = WidgetSite.objects.filter(key=key, is_active=True).first()
    if site is None or not origin_allowed(site, origin):
        raise PermissionDenied("This site may not use the chat.")
    return site


def origin_allowed(site: WidgetSite, origin: str) -> bool:
    try:
        return origin_of(origin) in site.origin_list()
    except ValidationError:
        return False


def user_hash(site: WidgetSite, user_id: str) -> str:
    """What the site's server computes to vouch for a signed-in user's id."""
    key = site.identity_secret.encode()
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


def visitor_start(
    *, site: WidgetSite, token: str = "", user_id: str = "", signature: str = ""
) -> Visitor:
    """The visitor a widget speaks for: a signed-in user (their id and its HMAC), the one
    its stored token names (on this site), or a new anonymous one."""
    if user_id:
        if len(user_id) > USER_ID_MAX_LENGTH or one_line(user_id) != user_id:
            raise ValidationError({"user_id": "At most 128 characters on one line."})
        if not hmac.compare_digest(user_hash(site, user_id), signature.lower()):
            raise PermissionDenied("The user's signature does not match.")
        return Visitor(site=site, visitor=f"user:{user_id}", user_id=user_id)
    if token:
        try:
            known = visitor_from_token(token)
        except PermissionDenied:
            known = None
        if known is not None and known.site.pk == site.pk and not known.identified:
            return known
    return Visitor(site=site, visitor=uuid.uuid4().hex)


def visitor_token(visitor: Visitor) -> str:
    return signing.dumps(
        {"s": visitor.site.pk, "v": visitor.visitor, "u": visitor.user_id}, salt=TOKEN_SALT
    )


def visitor_from_token(token: str) -> Visitor:
    """The visitor a token names; PermissionDenied for a forged, expired or stale one."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.WIDGET_TOKEN_MAX_AGE)
        site = WidgetSite.objects.get(pk=data["s"], is_active=True)
        return Visitor(site=site, visitor=str(data["v"]), user_id=str(data.get("u", "")))
    except (signing.BadSignature, WidgetSite.DoesNotExist, KeyError, TypeError) as error:
        raise PermissionDenied("The chat session is not valid; start a new one.") from error


def visitor_customer(visitor: Visitor, *, name: str = "", email: str = "") -> Customer:
    """The visitor's customer, made on their first message (an anonymous visitor's name is
    what they typed into the widget, else 'Chat visitor')."""
    existing = Customer.objects.filter(external_id=visitor.external_id).first()
    if existing is not None:
        return existing
    label = one_line(name)[:200] or f"Chat visitor {visitor.visitor[:6]}"
    try:
        return customer_create(external_id=visitor.external_id, name=label, email=email)
    except CustomerAlreadyExistsError as error:
        return error.existing


def conversation_current(visitor: Visitor) -> Ticket | None:
    """The visitor's newest conversation on this site, if any."""
    found = (
        WidgetConversation.objects.filter(site=visitor.site, visitor=visitor.visitor)
        .select_related("ticket")
        .order_by("-created_at", "-id")
        .first()
    )
    return found.ticket if found is not None else None


def conversation_messages(ticket: Ticket, *, after: int = 0) -> list[Message]:
    """What the customer may see of a conversation, after message id `after`."""
    return list(
        ticket.messages.filter(role__in=SHOWN_ROLES, pk__gt=after)
        .select_related("author")
        .order_by("created_at", "id")
    )


@transaction.atomic
def visitor_message_post(
    visitor: Visitor, *, body: str, name: str = "", email: str = ""
) -> tuple[Ticket, Message]:
    """The visitor's message: on their open conversation, or on a new chat ticket."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a message first."})
    if len(body) > settings.WIDGET_MESSAGE_MAX_CHARS:
        raise ValidationError(
            {"body": f"At most {settings.WIDGET_MESSAGE_MAX_CHARS} characters, please."}
        )
    customer = visitor_customer(visitor, name=name, email=email)
    ticket = conversation_current(visitor)
    if ticket is None or ticket.status == Ticket.Status.CLOSED:
        subject = one_line(body)
        if len(subject) > SUBJECT_CHARS:
            subject = subject[: SUBJECT_CHARS - 1].rstrip() + "…"
        ticket = ticket_services.ticket_create(
            customer=customer, subject=subject, channel=Ticket.Channel.CHAT
        )
        WidgetConversation.objects.create(ticket=ticket, site=visitor.site, visitor=visitor.visitor)
    recorded = ticket_services.message_record(ticket=ticket, role=Message.Role.CUSTOMER, body=body)
    ticket.refresh_from_db()
    return ticket, recorded.message


def bot_should_answer(ticket: Ticket) -> bool:
    """The bot answers until a person has the conversation."""
    return ticket.status != Ticket.Status.ESCALATED and ticket.assigned_to_id is None
