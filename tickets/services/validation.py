"""Checks that every write path of tickets makes the same way."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def require_aware(value: datetime.datetime | None, field: str) -> None:
    """A given time must say its time zone: a naive one would be read in the server's."""
    if value is not None and timezone.is_naive(value):
        raise ValidationError({field: "A time must include a time zone."})
