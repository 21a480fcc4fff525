"""The interface every export format implements: begin, one call per paper, end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from triage.models import TaggedPaper


@dataclass
class Item:
    """One paper to write: its tags, plus what the store knows (score, decision, sightings)."""

    tagged: TaggedPaper
    score: float | None = None
    status: str | None = None
    note: str | None = None
    first_seen: str | None = None
    sources: int | None = None

    def record(self, facets: Iterable[str]) -> dict[str, Any]:
        record = self.tagged.record(facets)
        if self.score is not None:
            record |= {
                "score": self.score,
                "status": self.status,
                "note": self.note,
                "first_seen": self.first_seen,
                "sources": self.sources,
            }
        return record


class Writer:
    def __init__(self, out: TextIO, facets: Iterable[str] = (), title: str = "") -> None:
        self.out = out
        self.facets = [*facets, "code"]
        self.title = title

    def begin(self) -> None:
        """Headers; nothing by default."""

    def write(self, item: Item) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Footers; nothing by default."""


def joined(paper: TaggedPaper, facet: str) -> str:
    return "; ".join(paper.tag_ids(facet))
