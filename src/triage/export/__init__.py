"""Writers for tagged papers, one per output format behind one small interface."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from triage.export.base import Writer
from triage.export.csvfile import CsvWriter
from triage.export.jsonl import JsonlWriter
from triage.export.markdown import MarkdownWriter
from triage.models import TaggedPaper

WRITERS: dict[str, type[Writer]] = {"jsonl": JsonlWriter, "csv": CsvWriter, "md": MarkdownWriter}


def write_tagged(fmt: str, papers: Iterable[TaggedPaper], out: TextIO, facets: Iterable[str] = ()) -> int:
    """Write every paper in the chosen format (naming every facet); returns how many were written."""
    writer = WRITERS[fmt](out, facets)
    count = 0
    writer.begin()
    for paper in papers:
        writer.write(paper)
        count += 1
    writer.end()
    return count
