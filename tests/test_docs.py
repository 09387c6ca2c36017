"""The architecture document says what the code is: its code map and its layers are checked."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _layer_modules_in_contract() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        contract["layers"]
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
    ]
    return [name.strip() for layer in layers for name in re.split(r"[|:]", layer)]


def _layer_modules_in_doc() -> list[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("| layer | packages | what lives there |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[2] for line in table.splitlines()[2:]]
    return [name for row in rows for name in re.findall(r"`([\w.]+)`", row)]


def test_code_map_in_architecture_doc_is_current() -> None:
    spec = importlib.util.spec_from_file_location("code_map", ROOT / "scripts" / "code_map.py")
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    generated = script.code_map()
    text = ARCHITECTURE.read_text(encoding="utf-8")
    written = text.split("<!-- code-map:start -->", 1)[1].split("<!-- code-map:end -->", 1)[0]

    assert written.strip() == generated, "run: python scripts/code_map.py --write"


def test_code_map_lists_every_module_with_a_docstring() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert "(no docstring)" not in text
    assert "`helpdesk/memory/backends/embedded/engine.py`" in text


def test_layers_in_architecture_doc_match_the_import_contract() -> None:
    assert _layer_modules_in_doc() == _layer_modules_in_contract()
