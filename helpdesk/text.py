"""One-line text: names and subjects that end up in headers and lists must not break lines."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 and C1 control characters (CR, LF, tab, NUL...), DEL, and Unicode's line and
# paragraph separators: anything that can break a line or a mail header.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def require_one_line(value: str, *, field: str, label: str) -> None:
    """A clear `ValidationError` on `field` when `value` holds a line break or control character."""
    if _CONTROL.search(value):
        raise ValidationError(
            {field: f"{label} must be one line, without line breaks or control characters."}
        )


def one_line(text: str) -> str:
    """`text` on one line, safe for a mail header: whitespace collapsed, control characters gone."""
    return " ".join(_CONTROL.sub(" ", text).split())
