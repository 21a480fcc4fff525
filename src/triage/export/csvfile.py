"""CSV (RFC 4180, UTF-8): stable columns, multi-valued cells joined with `; `, formulas neutralised."""

from __future__ import annotations

import csv

from triage.export.base import Item, Writer, joined

COLUMNS = [
    "id",
    "title",
    "published",
    "score",
    "domain",
    "method",
    "kind",
    "code",
    "code_url",
    "project_url",
    "status",
    "note",
    "sources",
    "first_seen",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a quote so spreadsheets show a cell as text instead of running it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class CsvWriter(Writer):
    def begin(self) -> None:
        self.csv = csv.writer(self.out, lineterminator="\r\n")
        self.csv.writerow(COLUMNS)

    def write(self, item: Item) -> None:
        tagged, p = item.tagged, item.tagged.paper
        row = [
            p.id,
            p.title,
            p.published.isoformat() if p.published else "",
            "" if item.score is None else f"{item.score:g}",
            joined(tagged, "domain"),
            joined(tagged, "method"),
            joined(tagged, "kind"),
            joined(tagged, "code"),
            tagged.code_url or "",
            tagged.project_url or "",
            item.status or "",
            item.note or "",
            str(item.sources) if item.sources is not None else p.source.where(),
            item.first_seen or "",
        ]
        self.csv.writerow([neutralise(cell) for cell in row])
