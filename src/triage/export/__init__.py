"""Writers for tagged papers, one per output format behind one small interface."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from triage.export.base import Item, Writer
from triage.export.csvfile import CsvWriter
from triage.export.jsonl import JsonlWriter, JsonWriter
from triage.export.markdown import MarkdownWriter
from triage.models import TaggedPaper

if TYPE_CHECKING:
    from triage.query import Filters, Listed

WRITERS: dict[str, type[Writer]] = {
    "jsonl": JsonlWriter,
    "json": JsonWriter,
    "csv": CsvWriter,
    "md": MarkdownWriter,
}
FORMATS = tuple(WRITERS)


def write_items(
    fmt: str, items: Iterable[Item], out: TextIO, facets: Iterable[str] = (), title: str = ""
) -> int:
    """Write every item in the chosen format; returns how many were written."""
    writer = WRITERS[fmt](out, facets, title)
    count = 0
    writer.begin()
    for item in items:
        writer.write(item)
        count += 1
    writer.end()
    return count


def write_tagged(fmt: str, papers: Iterable[TaggedPaper], out: TextIO, facets: Iterable[str] = ()) -> int:
    """Papers straight from `classify` (no store): tags, links and evidence."""
    return write_items(fmt, (Item(p) for p in papers), out, facets)


def write_listed(
    fmt: str, listed: Iterable[Listed], out: TextIO, facets: Iterable[str], filters: Filters
) -> int:
    """Papers from the store, with score, decision and sightings."""
    items = (Item(x.tagged, x.score, x.status, x.note, x.first_seen, x.sources) for x in listed)
    return write_items(fmt, items, out, facets, filters.describe())
