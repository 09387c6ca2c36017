"""Print the code map of docs/architecture.md: every package and module, with its docstring's
first line. `python scripts/code_map.py --write` puts it into the doc; a test checks the doc
holds exactly this, so the map cannot go stale.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("helpdesk", "customers", "tickets")
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- code-map:start -->", "<!-- code-map:end -->"


def _summary(path: Path) -> str:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().split("\n\n")[0].replace("\n", " ").replace("|", "\\|")


def _entries() -> list[tuple[str, str]]:
    entries = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            if "management" in relative.parts and path.name == "__init__.py":
                continue
            shown = f"{relative.parent}/" if path.name == "__init__.py" else str(relative)
            entries.append((shown, _summary(path)))
    return sorted(entries)


def code_map() -> str:
    rows = [f"| `{path}` | {summary or '(no docstring)'} |" for path, summary in _entries()]
    return "\n".join(["| where | what it holds |", "|---|---|", *rows])


def _with_map(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{code_map()}\n{END}{tail}"


def main() -> None:
    if "--write" in sys.argv[1:]:
        DOC.write_text(_with_map(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(code_map())


if __name__ == "__main__":
    main()
