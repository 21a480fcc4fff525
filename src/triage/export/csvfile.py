"""CSV (RFC 4180, UTF-8): stable columns, multi-valued cells joined with `; `, formulas neutralised."""

from __future__ import annotations

import csv

from triage.export.base import Writer, joined
from triage.models import TaggedPaper

COLUMNS = [
    "id",
    "title",
    "published",
    "domain",
    "method",
    "kind",
    "code",
    "code_url",
    "project_url",
    "source",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a quote so spreadsheets show a cell as text instead of running it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class CsvWriter(Writer):
    def begin(self) -> None:
        self.csv = csv.writer(self.out, lineterminator="\r\n")
        self.csv.writerow(COLUMNS)

    def write(self, paper: TaggedPaper) -> None:
        p = paper.paper
        row = [
            p.id,
            p.title,
            p.published.isoformat() if p.published else "",
            joined(paper, "domain"),
            joined(paper, "method"),
            joined(paper, "kind"),
            joined(paper, "code"),
            paper.code_url or "",
            paper.project_url or "",
            p.source.where(),
        ]
        self.csv.writerow([neutralise(cell) for cell in row])
