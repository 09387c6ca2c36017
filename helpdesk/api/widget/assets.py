"""`/widget.js` and `/widget.css`: the chat widget's files, for any website to load.

Served from the site's root (the script tag's URL stays the same across releases) with a
short cache, and readable from other origins (a host page loads them as a script and, from
the widget's shadow root, as a stylesheet).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

FILES = Path(__file__).resolve().parents[2] / "static" / "widget"
TYPES = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
MAX_AGE = 300  # seconds: a new release reaches every site within minutes


@cache
def _read(name: str) -> bytes:
    return (FILES / name).read_bytes()


@login_not_required
@require_safe
def widget_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in TYPES:
        raise Http404
    response = HttpResponse(_read(name), content_type=TYPES[name])
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"  # public files, no credentials
    return response
