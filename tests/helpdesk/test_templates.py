"""Templates: comments that Django would print as text."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_no_comment_spans_lines(path: Path) -> None:
    # `{# ... #}` is a one-line comment: over several lines Django renders it as page text.
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        opened = line.count("{#") - line.count("#}")
        assert opened <= 0, f"{path.name}:{number}: use {{% comment %}} for a comment on many lines"
