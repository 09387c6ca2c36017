"""An attachment's file goes with its row, once the deletion is committed; a reply on an
e-mail ticket queues its mail in the reply's transaction; cross-origin calls to the
widget's API are allowed from the origins the widget sites registered."""

from __future__ import annotations

from typing import Any

from corsheaders.signals import check_request_enabled
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from helpdesk.channels.models import Attachment, WidgetSite
from helpdesk.channels.outgoing import SENT_ROLES, outgoing_mail_queue
from helpdesk.channels.widget import origin_allowed
from tickets.models import Message, Ticket
from tickets.signals import RecordedRow, messages_recorded


def attachment_file_delete(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """Delete the stored file after commit: a rolled-back deletion keeps its file."""
    if not instance.file:
        return
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: storage.delete(name))


WIDGET_API_PATH = "/api/widget/"


def widget_origin_allowed(sender: object, request: HttpRequest, **kwargs: Any) -> bool:
    """django-cors-headers asks whether a call may cross origins: only to the widget's API
    (the signal is asked for every path, whatever CORS_URLS_REGEX says), and only from an
    origin a widget site registered."""
    if not request.path_info.startswith(WIDGET_API_PATH):
        return False
    origin = request.headers.get("Origin", "")
    return any(origin_allowed(site, origin) for site in WidgetSite.objects.filter(is_active=True))


def reply_mail_queue(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new reply to the customer on an e-mail ticket goes out by mail (after commit)."""
    if created and not raw:
        outgoing_mail_queue(instance)


def batch_mail_queue(sender: type[Message], messages: list[RecordedRow], **kwargs: Any) -> None:
    """A batch of messages (POST /api/messages/batch/) fires no post_save: its replies on
    e-mail tickets are queued here, as `reply_mail_queue` would one by one."""
    replies = [row.message_id for row in messages if row.role in SENT_ROLES]
    if not replies:
        return
    for message in (
        Message.objects.filter(pk__in=replies, ticket__channel=Ticket.Channel.EMAIL)
        .select_related("ticket__customer")
        .order_by("id")
    ):
        outgoing_mail_queue(message)


def connect() -> None:
    messages_recorded.connect(batch_mail_queue, dispatch_uid="batch_mail_queue")
    post_save.connect(reply_mail_queue, sender=Message, dispatch_uid="reply_mail_queue")
    check_request_enabled.connect(widget_origin_allowed, dispatch_uid="widget_origin_allowed")
    post_delete.connect(
        attachment_file_delete, sender=Attachment, dispatch_uid="attachment_file_delete"
    )
