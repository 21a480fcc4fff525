"""Shared helpers for the parser tests: read a fixture through the real `parse_file`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from triage.models import Paper, Skipped
from triage.parse import ParseOptions, parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Parsed = tuple[list[Paper], list[Skipped]]


def split(records: list[Paper | Skipped]) -> Parsed:
    papers = [r for r in records if isinstance(r, Paper)]
    skipped = [r for r in records if isinstance(r, Skipped)]
    return papers, skipped


@pytest.fixture
def parse_fixture() -> Callable[..., Parsed]:
    """Parse a fixture (or any path) with format detection, as `triage parse` would."""

    def run(name: str | Path, input_format: str | None = None) -> Parsed:
        path = name if isinstance(name, Path) else FIXTURES / name
        return split(list(parse_file(path, ParseOptions(input_format=input_format))))

    return run
