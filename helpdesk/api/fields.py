from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its time zone; naive times are rejected."""

    default_error_messages = {
        "invalid": "Use ISO 8601, e.g. 2024-05-08T13:56:00+00:00.",
        "naive": "A time must include a time zone, e.g. 2024-05-08T13:56:00+00:00.",
    }

    def to_internal_value(self, value: Any) -> datetime.datetime:
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
        return parsed
