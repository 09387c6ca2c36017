"""Serializer fields the API shares (bounded text, aware times, record ids)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its time zone; naive times are rejected.

    The value comes back in UTC, whatever offset it was sent with.
    """

    default_error_messages = {
        "invalid": "Use ISO 8601, e.g. 2024-05-08T13:56:00+00:00.",
        "naive": "A time must include a time zone, e.g. 2024-05-08T13:56:00+00:00.",
        "out_of_range": "The time is outside the years 1 to 9999 in UTC.",
    }

    def to_internal_value(self, value: Any) -> datetime.datetime:
        parsed: datetime.datetime | None
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
        else:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        if timezone.is_naive(parsed):
            self.fail("naive")
        try:
            # Stored in UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows.
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            self.fail("out_of_range")


class OptionalEmailField(serializers.EmailField):
    """An e-mail address, or empty when it is not known (the schema says so too)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class RecordIdField(serializers.PrimaryKeyRelatedField[Model]):
    """The id of an existing record; a number no id can be (JSON's `1e400`) is invalid too.

    DRF reads the record with the value as sent: an infinite float overflows the integer
    conversion, which DRF does not catch.
    """

    def to_internal_value(self, data: Any) -> Model:
        try:
            return super().to_internal_value(data)
        except OverflowError:
            self.fail("does_not_exist", pk_value=data)
