"""An attachment's file goes with its row, once the deletion is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete

from helpdesk.channels.models import Attachment


def attachment_file_delete(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    """Delete the stored file after commit: a rolled-back deletion keeps its file."""
    if not instance.file:
        return
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: storage.delete(name))


def connect() -> None:
    post_delete.connect(
        attachment_file_delete, sender=Attachment, dispatch_uid="attachment_file_delete"
    )
