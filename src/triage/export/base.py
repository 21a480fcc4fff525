"""The interface every export format implements: begin, one call per paper, end."""

from __future__ import annotations

from typing import TextIO

from triage.models import TaggedPaper


class Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def begin(self) -> None:
        """Headers; nothing by default."""

    def write(self, paper: TaggedPaper) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Footers; nothing by default."""


def joined(paper: TaggedPaper, facet: str) -> str:
    return "; ".join(paper.tag_ids(facet))
