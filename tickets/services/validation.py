"""Checks that every write path of tickets makes the same way."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.text import one_line


def require_aware(value: datetime.datetime | None, field: str) -> None:
    """A given time must say its time zone: a naive one would be read in the server's."""
    if value is not None and timezone.is_naive(value):
        raise ValidationError({field: "A time must include a time zone."})


def tags_clean(tags: Iterable[object]) -> list[str]:
    """The tags as given, spaces tidied, one of each whatever its case, in the order given.

    ValidationError (field `tags`) for a tag that is not text, too long, holds a comma, or
    for more than `TICKET_TAGS_MAX` tags.
    """
    kept: dict[str, str] = {}
    for raw in tags:
        if not isinstance(raw, str):
            raise ValidationError({"tags": "Each tag is a piece of text."})
        tag = one_line(raw)
        if not tag:
            continue
        if len(tag) > settings.TICKET_TAG_MAX_LENGTH:
            limit = settings.TICKET_TAG_MAX_LENGTH
            raise ValidationError({"tags": f"A tag is at most {limit} characters: {tag[:60]!r}."})
        if "," in tag:
            raise ValidationError({"tags": f"A tag holds no comma: {tag!r}."})
        kept.setdefault(tag.casefold(), tag)
    if len(kept) > settings.TICKET_TAGS_MAX:
        raise ValidationError({"tags": f"At most {settings.TICKET_TAGS_MAX} tags on a ticket."})
    return list(kept.values())


def tags_text(tags: Iterable[str]) -> str:
    """Tags as one line, sorted (how the audit trail and the forms show them)."""
    return ", ".join(sorted(tags, key=str.casefold))


def tags_same(these: Iterable[str], those: Iterable[str]) -> bool:
    """Whether two lists of tags name the same tags (whatever their case and order)."""
    return {t.casefold() for t in these} == {t.casefold() for t in those}
