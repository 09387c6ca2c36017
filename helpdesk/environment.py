"""Strict readers for the environment variables that settings.py turns into booleans and numbers.

django-environ's `env.bool` takes any string it does not know (`PRODUCTION=ture`) for False,
and `env.int` fails with a bare ValueError that does not say which variable was wrong. These
readers refuse such a value at start with ImproperlyConfigured naming the variable and what it
accepts. An unset variable gives the default; a variable set to an empty string is refused like
any other value that is not one of the accepted ones.
"""

from __future__ import annotations

import math
import os
import zlib

from django.core.exceptions import ImproperlyConfigured

# django-environ's spellings of true (so existing deployments keep working), and their opposites.
TRUE_VALUES = ("true", "yes", "on", "1", "y", "ok")
FALSE_VALUES = ("false", "no", "off", "0", "n")


def env_bool(name: str, default: bool) -> bool:
    """NAME as a boolean: one of TRUE_VALUES or FALSE_VALUES, in any case; unset gives default."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of {', '.join(TRUE_VALUES)} for on, "
        f"or one of {', '.join(FALSE_VALUES)} for off (or unset {name} for the default, "
        f"{'on' if default else 'off'})."
    )


def env_int(name: str, default: int) -> int:
    """NAME as a whole number such as 300 or -1; unset gives default."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a whole number: use digits only, e.g. {name}={default} "
            f"(or unset {name} for the default)."
        ) from None


def env_float(name: str, default: float) -> float:
    """NAME as a number such as 10 or 0.5; unset gives default."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a number: use e.g. {name}={default} "
            f"(or unset {name} for the default)."
        )
    return value


# Words that mark a placeholder someone meant to replace, not a key.
_PLACEHOLDER_WORDS = (
    "changeme", "change-me", "change_me", "insecure", "secret", "example", "default",
    "password", "replace", "dummy", "sample",
)  # fmt: skip


def secret_key_is_weak(key: str) -> bool:
    """Too short, too few distinct characters, a placeholder, or a repeated chunk: not a key a
    production site may sign sessions with (Django's own check misses `changeme-changeme-…`)."""
    lowered = key.lower()
    repeated = len(zlib.compress(key.encode())) < len(key) // 2
    return (
        len(key) < 50
        or len(set(key)) < 16
        or key.startswith("django-insecure")
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
        or repeated
    )
