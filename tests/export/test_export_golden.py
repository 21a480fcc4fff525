"""Golden files: `triage export` writes exactly the committed bytes for a fixed selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_cases import CASES, GENERATED, GOLDEN, export, golden_text


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_matches_golden_file(name: str, request: pytest.FixtureRequest) -> None:
    kind, args = CASES[name]
    db: Path = request.getfixturevalue(f"{kind}_db")
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_text(name, export(db, args)) == expected, (
        f"{name} changed; if on purpose, run `python tests/export/regen_golden.py` and review the diff"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_file_is_marked_generated(name: str) -> None:
    """Markdown and BibTeX say so in their first line; CSV and JSON have no comments: the README."""
    path = GOLDEN / name
    marker = path.read_text(encoding="utf-8") if path.suffix in (".md", ".bib") else ""
    readme = (GOLDEN / "README.md").read_text(encoding="utf-8")
    assert GENERATED in marker.splitlines()[0] if marker else "**generated**" in readme
