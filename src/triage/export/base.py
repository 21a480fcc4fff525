"""The interface every export format implements: begin, one call per paper, end."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from triage.models import TaggedPaper


class Writer:
    def __init__(self, out: TextIO, facets: Iterable[str] = ()) -> None:
        self.out = out
        self.facets = [*facets, "code"]

    def begin(self) -> None:
        """Headers; nothing by default."""

    def write(self, paper: TaggedPaper) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Footers; nothing by default."""


def joined(paper: TaggedPaper, facet: str) -> str:
    return "; ".join(paper.tag_ids(facet))
