"""Writers for tagged papers, one per output format behind one small interface."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from triage.errors import UsageError
from triage.export.base import Item, Selection, Writer
from triage.export.bibtex import BibtexWriter
from triage.export.csvfile import CsvWriter
from triage.export.digest import DigestWriter
from triage.export.jsonl import JsonlWriter, JsonWriter
from triage.export.markdown import MarkdownWriter
from triage.formats import EXPORT_FORMATS, EXPORT_SUFFIXES
from triage.models import TaggedPaper

if TYPE_CHECKING:
    from triage.query import Filters, Library, Listed

WRITERS: dict[str, type[Writer]] = {
    "jsonl": JsonlWriter,
    "json": JsonWriter,
    "csv": CsvWriter,
    "md": MarkdownWriter,
    "bib": BibtexWriter,
}
FORMATS = EXPORT_FORMATS
SUFFIXES = EXPORT_SUFFIXES
assert set(FORMATS) == set(WRITERS)

__all__ = ["FORMATS", "WRITERS", "Item", "Selection", "Writer", "write_items", "write_listed", "write_tagged"]


def make_writer(
    fmt: str, out: TextIO, facets: Iterable[str], selection: Selection, group_by: str | None = None
) -> Writer:
    if group_by is None:
        return WRITERS[fmt](out, facets, selection)
    facets = list(facets)
    if fmt != "md":
        raise UsageError("--group-by makes a Markdown digest; use it with --format md")
    if group_by not in [*facets, "code"]:
        raise UsageError(f"unknown facet {group_by!r} for --group-by; one of: {', '.join([*facets, 'code'])}")
    return DigestWriter(out, facets, selection, group_by)


def write_items(
    fmt: str,
    items: Iterable[Item],
    out: TextIO,
    facets: Iterable[str] = (),
    selection: Selection | None = None,
    group_by: str | None = None,
) -> int:
    """Write every item in the chosen format; returns how many were written."""
    writer = make_writer(fmt, out, facets, selection or Selection(), group_by)
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
    fmt: str,
    listed: Sequence[Listed],
    out: TextIO,
    library: Library,
    filters: Filters,
    group_by: str | None = None,
) -> int:
    """Papers from the store, with score breakdown, decisions and sightings."""
    selection = Selection(filters.describe(), len(listed), library.today, filters.sort)
    facets = library.classifier.taxonomy.facets
    return write_items(fmt, library_items(library, listed), out, facets, selection, group_by)


def library_items(library: Library, listed: Iterable[Listed]) -> Iterator[Item]:
    """Each listed paper with what `show` knows: score parts, sightings and decision history."""
    for x in listed:
        _, sources, decisions = library.show(x.tagged.paper.id)
        yield Item(
            x.tagged,
            x.score,
            x.status,
            x.note,
            x.first_seen,
            sources=[
                {
                    "path": s["path"],
                    "line": None if s["line"] < 0 else s["line"],
                    "record": None if s["record"] < 0 else s["record"],
                    "format": s["format"],
                }
                for s in sources
            ],
            parts=library.ranker.breakdown(x.tagged, library.today),
            decisions=[{"decision": d["decision"], "note": d["note"], "at": d["at"]} for d in decisions],
        )
