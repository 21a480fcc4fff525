"""The interface every export format implements: begin, one call per paper, end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from triage.models import TaggedPaper
from triage.rank import Part


@dataclass(frozen=True)
class Selection:
    """What an export holds: the filters in words, how many papers, the day, the order."""

    description: str = ""
    count: int | None = None
    date: dt.date | None = None
    sort: str | None = None

    def summary(self) -> str:
        """`13 papers · tag compression · sorted by title · 2025-05-08`, leaving out what is unknown."""
        parts = [f"{self.count} paper{'' if self.count == 1 else 's'}"] if self.count is not None else []
        parts += [self.description] if self.description else []
        parts += [f"sorted by {self.sort}"] if self.sort else []
        parts += [self.date.isoformat()] if self.date else []
        return " · ".join(parts)


@dataclass
class Item:
    """One paper to write: its tags, plus what the store knows (score, decision, sightings)."""

    tagged: TaggedPaper
    score: float | None = None
    status: str | None = None
    note: str | None = None
    first_seen: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def record(self, facets: Iterable[str]) -> dict[str, Any]:
        """The JSON record (docs/export-schema.md): classify's record, plus the store's fields."""
        record = self.tagged.record(facets)
        if self.score is not None:
            record |= {
                "score": self.score,
                "score_parts": [{"name": p.name, "points": p.points, "why": p.why} for p in self.parts],
                "status": self.status,
                "note": self.note,
                "decisions": self.decisions,
                "first_seen": self.first_seen,
                "sources": self.sources,
            }
        return record

    def sightings(self) -> list[str]:
        """Where the paper was seen, `file:line` or `file#record`; the parsed source when not stored."""
        if not self.sources:
            return [self.tagged.paper.source.where()]
        seen = [
            f"{s['path']}:{s['line']}" if s["line"] is not None else f"{s['path']}#{s['record']}"
            for s in self.sources
        ]
        return list(dict.fromkeys(seen))


class Writer:
    def __init__(self, out: TextIO, facets: Iterable[str] = (), selection: Selection | None = None) -> None:
        self.out = out
        self.facets = [*facets, "code"]
        self.selection = selection or Selection()
        self.title = self.selection.description

    def begin(self) -> None:
        """Headers; nothing by default."""

    def write(self, item: Item) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Footers; nothing by default."""


def joined(paper: TaggedPaper, facet: str) -> str:
    return "; ".join(paper.tag_ids(facet))


def arxiv_url(paper: TaggedPaper) -> str | None:
    arxiv = paper.paper.arxiv_id
    return f"https://arxiv.org/abs/{arxiv}" if arxiv else None
