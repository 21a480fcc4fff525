"""arXiv subscription e-mail digests: dashed-line records with `Title:` headers and `\\` abstracts.

A record is `\\`, header lines (`arXiv:ID`, `Date:`, `Title:`... with indented continuations),
`\\`, the abstract, then `\\ ( https://arxiv.org/abs/ID , size)`. Replacements stop after the
header. `%-%-...` starts the cross-lists, `%%--%%...` the replacements, `%%%---...` ends the digest.
The parser streams: it holds one record at a time plus the ids already seen (to drop duplicates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from triage.models import Paper, Skipped
from triage.parse.arxiv_snapshot import split_authors
from triage.parse.records import ParseContext, make_paper
from triage.text import clean_text, normalise_arxiv_id

_RECORD_SEPARATOR = re.compile(r"^-{40,}$")
_SECTIONS = {"%-%-": "cross-list", "%%--": "replacement", "%%%-": "end"}
_SECTION_SEPARATOR = re.compile(r"^%[%-]{40,}$")
_ARXIV_LINE = re.compile(r"^arXiv:(\S+)(.*)$")
_HEADER = re.compile(r"^([A-Za-z][\w-]*):\s*(.*)$")
_TRAILER_ID = re.compile(r"arxiv\.org/abs/([^\s,)]+)")
MARKER = "\\\\"
# Header fields copied to `extra`, under the names the metadata snapshot uses.
EXTRA_FIELDS = {"Comments": "comments", "DOI": "doi", "Journal-ref": "journal-ref"}


@dataclass
class _Record:
    line: int
    section: str
    state: str = "header"  # header -> abstract -> done
    arxiv_id: str | None = None
    cross_listing: bool = False
    replaced: bool = False
    fields: dict[str, list[str]] = field(default_factory=dict)
    current: str | None = None
    abstract: list[str] = field(default_factory=list)
    trailer: str = ""

    def header_line(self, line: str) -> None:
        if line.startswith(MARKER):  # `\\` opens the abstract; `\\ ( url )` ends a replacement
            self.state, self.trailer = ("abstract", "") if line == MARKER else ("done", line)
        elif match := _ARXIV_LINE.match(line):
            self.arxiv_id, self.cross_listing = match[1], "cross-list" in match[2]
        elif line.startswith("replaced with"):
            self.replaced = True
        elif match := _HEADER.match(line):
            self.current = match[1]
            self.fields[self.current] = [match[2]]
        elif line.strip() and self.current:
            self.fields[self.current].append(line)

    def abstract_line(self, line: str) -> None:
        if line == MARKER or line.startswith(MARKER + " ("):
            self.state, self.trailer = "done", line
        else:
            self.abstract.append(line)

    def value(self, name: str) -> str:
        return clean_text(" ".join(self.fields.get(name, [])))


def _date(text: str) -> dt.date | None:
    try:
        return parsedate_to_datetime(text.split("(")[0].strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def _section(record: _Record) -> str:
    if record.replaced or record.section == "replacement":
        return "replacement"
    return "cross-list" if record.cross_listing or record.section == "cross-list" else "new"


def _finish(record: _Record, ctx: ParseContext, seen: dict[str, int]) -> Paper | Skipped:
    """The record as a Paper, or Skipped when it has no abstract or repeats an earlier id."""
    trailer_id = _TRAILER_ID.search(record.trailer)
    arxiv = normalise_arxiv_id(record.arxiv_id) or normalise_arxiv_id(trailer_id[1] if trailer_id else None)
    label = f"arXiv:{arxiv}" if arxiv else repr(record.value("Title")[:80])
    section = _section(record)
    abstract = clean_text(" ".join(record.abstract))
    if not abstract:
        what = "replacement" if section == "replacement" else "record"
        return ctx.skip(f"{what} without abstract: {label}", record.line, expected=section == "replacement")
    if arxiv in seen:
        return ctx.skip(f"duplicate of {label} (first at line {seen[arxiv]})", record.line)
    extra: dict[str, Any] = {"section": section, "categories": record.value("Categories").split()}
    extra |= {key: record.value(name) for name, key in EXTRA_FIELDS.items() if record.value(name)}
    if record.state != "done":
        extra["truncated"] = True  # the abstract never reached its closing `\\` line
    paper = make_paper(
        ctx,
        record.value("Title"),
        abstract,
        line=record.line,
        arxiv_id=arxiv,
        published=_date(record.value("Date")),
        authors=split_authors(record.value("Authors")),
        extra=extra,
    )
    if isinstance(paper, Paper) and arxiv:
        seen[arxiv] = record.line
    return paper


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield a Paper per record with an abstract; replacements and duplicates come as Skipped."""
    section, record = "new", None
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        separator = _SECTION_SEPARATOR.match(line)
        if separator or _RECORD_SEPARATOR.match(line):
            if record:
                yield _finish(record, ctx, seen)
            record = None
            section = _SECTIONS.get(line[:4], section) if separator else section
        elif record is None:
            if line == MARKER and section != "end":
                record = _Record(number + 1, section)
        elif record.state == "header":
            record.header_line(line)
        elif record.state == "abstract":
            record.abstract_line(line)
    if record:
        yield _finish(record, ctx, seen)
