"""An attachment's file goes with its row, once the deletion is committed; a reply on an
e-mail ticket queues its mail in the reply's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from helpdesk.channels.models import Attachment
from helpdesk.channels.outgoing import outgoing_mail_queue
from tickets.models import Message


def attachment_file_delete(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """Delete the stored file after commit: a rolled-back deletion keeps its file."""
    if not instance.file:
        return
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: storage.delete(name))


def reply_mail_queue(
    sender: type[Message], instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A new reply to the customer on an e-mail ticket goes out by mail (after commit)."""
    if created and not raw:
        outgoing_mail_queue(instance)


def connect() -> None:
    post_save.connect(reply_mail_queue, sender=Message, dispatch_uid="reply_mail_queue")
    post_delete.connect(
        attachment_file_delete, sender=Attachment, dispatch_uid="attachment_file_delete"
    )
