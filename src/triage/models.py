"""Typed records that flow through the pipeline: Paper, Skipped, tags and their evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

InputFormat = Literal["hf-page", "hf-api", "arxiv-snapshot", "arxiv-email", "markdown", "triage-jsonl"]


class SourceRef(BaseModel):
    """Where a record came from: the file, its format and the line (or record index) inside it."""

    model_config = ConfigDict(frozen=True)

    file: str
    format: str
    line: int | None = None
    index: int | None = None

    def where(self) -> str:
        """`file:line`, else `file#record` (a JSON array's 0-based index), else the file alone."""
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return f"{self.file}#{self.index}" if self.index is not None else self.file


class Paper(BaseModel):
    """One paper as parsed from a dump, whitespace-normalised and with cleaned URLs."""

    id: str
    title: str
    abstract: str = ""
    published: dt.date | None = None
    authors: list[str] = Field(default_factory=list)
    arxiv_id: str | None = None
    urls: list[str] = Field(default_factory=list)
    source: SourceRef
    extra: dict[str, Any] = Field(default_factory=dict)


class Skipped(BaseModel):
    """A record that could not be parsed, with the reason and where it stands.

    `expected` marks records a dump legitimately holds without a paper in them (an arXiv digest's
    replacement notices): reported in the summary, but not a data error under --strict.
    """

    reason: str
    source: SourceRef
    expected: bool = False

    def message(self) -> str:
        return f"{self.source.where()}: skipped: {self.reason}"


@dataclass(slots=True)
class Evidence:
    """One match that counted towards a tag: the rule, the text it matched, where, and the
    points it added to the tag's score (0 when an earlier match in the same place counted)."""

    rule: str
    text: str
    field: str
    offset: int
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "field": self.field,
            "offset": self.offset,
            "weight": self.weight,
        }


@dataclass(slots=True)
class Tag:
    """A tag assigned to a paper, with its score and the evidence behind it."""

    facet: str
    id: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.facet}:{self.id}"


@dataclass(slots=True)
class TaggedPaper:
    """A Paper with its tags, code availability and links, as `classify` returns it.

    Plain dataclasses rather than pydantic models: classification builds millions of these, and
    everything in them comes from validated Papers and rules.
    """

    paper: Paper
    tags: list[Tag]
    code_url: str | None = None
    project_url: str | None = None
    near: list[Tag] = field(default_factory=list)  # tags that fell short of their threshold (eval)

    def tag_ids(self, facet: str) -> list[str]:
        return [t.id for t in self.tags if t.facet == facet]

    def record(self, facets: Iterable[str] = ()) -> dict[str, Any]:
        """The flat JSON record: Paper fields, tags per facet (every facet named, even when
        empty), links, scores and evidence per tag."""
        tags: dict[str, list[str]] = {facet: [] for facet in facets}
        for tag in self.tags:
            tags.setdefault(tag.facet, []).append(tag.id)
        return {
            **self.paper.model_dump(mode="json"),
            "tags": tags,
            "code_url": self.code_url,
            "project_url": self.project_url,
            "scores": {t.key: t.score for t in self.tags},
            "evidence": {t.key: [e.as_dict() for e in t.evidence] for t in self.tags},
        }
