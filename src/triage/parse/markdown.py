"""Markdown renderings of the Hugging Face papers page (firecrawl and similar scrapers).

A paper is a title (a `###` heading, or a link to `/papers/ID`) followed by its abstract (a plain
paragraph or a paragraph-long link). Images, badges, counts, author lists and other one-link
lines are page furniture. Hard breaks (`\\` or two spaces at line end) join like soft wraps. A
date line after an abstract is that paper's date; one before any paper is the page's date. An
entry repeated right after itself (trending pages render each card twice) is yielded once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from triage.models import Paper, Skipped
from triage.parse.dates import parse_date_line
from triage.parse.records import ParseContext, make_paper
from triage.text import normalise_arxiv_id, title_key

MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 40
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_WHOLE_LINK = re.compile(r"^\[(.*)\]\((\S*?)\)$", re.S)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
# Furniture lines: short bullets (`- 8 authors`, `- Daily`; a long one is wrapped prose that
# starts with a dash), an unterminated `[LINK: ...`, and lines made only of links.
_UI_LINE = re.compile(r"^(?:[-*+•·](?:\s.{0,40})?$|\[LINK:|(?:\[[^\]]*\]\([^)]*\)\s*)+$)")
_ESCAPE = re.compile(r"\\(\s)|\\([\\`*_{}\[\]()#+\-.!|<>~])")
_PAPER_URL = re.compile(r"/papers/([^/?#\s]+)$")
_FRONT_MATTER = re.compile(r"^[\w-]+:(\s|$)")
_COUNT_LINK = re.compile(r"\[\d+\]\([^)]*\)$")


@dataclass
class _Entry:
    title: str
    line: int
    arxiv_id: str | None
    abstract: str | None = None
    published: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def blocks(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Paragraphs with their first line; a heading (with indented continuations) is its own."""
    block: list[str] = []
    start, front_matter = 0, False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip().rstrip("\\").rstrip()  # a hard break is just a line end here
        if front_matter or (number == 1 and line == "---"):
            # YAML front matter (scraper metadata) runs to the next `---`; a line that is not
            # `key: value` means the opening `---` was a rule, and the page starts here.
            front_matter = number == 1 or (line != "---" and bool(_FRONT_MATTER.match(line)))
            if front_matter or line == "---":
                continue
        ends_heading = bool(block) and block[0].startswith("#") and not raw[:1].isspace()
        if not line or line.startswith("#") or ends_heading:
            if block:
                yield start, block
            block = []
        if line:
            start = number if not block else start
            block.append(line.strip())
    if block:
        yield start, block


def unescape(text: str) -> str:
    """Markdown text without backslash escapes (`\\_` -> `_`; `\\ ` from a hard break -> ` `)."""
    return _ESCAPE.sub(lambda m: m[1] or m[2], text)


def _paper_id(url: str | None) -> str | None:
    match = _PAPER_URL.search(url or "")
    return normalise_arxiv_id(match[1]) if match else None


def _prose(text: str, ctx: ParseContext) -> str:
    """The text with furniture lines (bullets, lone links, boilerplate, UI patterns) removed."""
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and not _UI_LINE.match(line) and line.casefold() not in ctx.boilerplate
    ]
    if len(kept) == 1 and any(p.search(kept[0]) for p in ctx.ui_patterns):
        return ""
    return unescape(" ".join(kept))


class _Page:
    """The state of one page: the open entry, the page date and the last title yielded."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.entry: _Entry | None = None
        self.page_date: dt.date | None = None
        self.last_key = ""

    def flush(self) -> Iterator[Paper | Skipped]:
        entry, self.entry = self.entry, None
        if entry is None:
            return
        if entry.abstract is None:
            yield self.ctx.skip(f"title with no abstract after it: {entry.title[:80]!r}", entry.line)
            return
        key = title_key(entry.title)
        if key != self.last_key:  # trending pages render every card twice in a row
            self.last_key = key
            yield make_paper(
                self.ctx,
                entry.title,
                entry.abstract,
                line=entry.line,
                arxiv_id=entry.arxiv_id,
                published=entry.published or self.page_date,
                extra=entry.extra,
            )

    def title(self, text: str, url: str | None, line: int) -> Iterator[Paper | Skipped]:
        yield from self.flush()
        self.entry = _Entry(text, line, _paper_id(url))

    def block(self, start: int, block: list[str]) -> Iterator[Paper | Skipped]:
        text = _IMAGE.sub("", "\n".join(block))
        heading = _HEADING.match(text)
        if heading:
            yield from self._heading(len(heading[1]), heading[2], start)
            return
        link = _WHOLE_LINK.match(text)
        truncated = text.startswith("[") and "](" not in text  # the capture ends inside a link
        body, url = (link[1], link[2]) if link else (text[1:] if truncated else text, None)
        for _label, target in _LINK.findall(text):
            if self.entry and "github.com" in target and "githubRepo" not in self.entry.extra:
                self.entry.extra["githubRepo"] = target
        prose = _prose(body, self.ctx)
        date = parse_date_line(_COUNT_LINK.sub("", text), self.ctx.reference, self.ctx.explicit_date)
        if date:
            self._date(date)
        elif not prose:
            return
        elif _paper_id(url) and self._starts_entry(_paper_id(url), prose):
            yield from self.title(prose, url, start)
        elif self.entry and self.entry.abstract is None and len(prose) >= MIN_ABSTRACT_CHARS:
            if link and not _paper_id(url):
                return  # a long link elsewhere (an organisation, a login page) is not an abstract
            self.entry.abstract = prose
            if truncated:
                self.entry.extra["truncated"] = True

    def _starts_entry(self, arxiv_id: str | None, prose: str) -> bool:
        """A link to a paper page opens a new entry unless it is the open entry's abstract."""
        open_without_abstract = self.entry is not None and self.entry.abstract is None
        same_paper = self.entry is not None and self.entry.arxiv_id in (None, arxiv_id)
        if open_without_abstract and same_paper:
            return False
        return len(prose) <= MAX_TITLE_CHARS

    def _heading(self, level: int, text: str, start: int) -> Iterator[Paper | Skipped]:
        link = _WHOLE_LINK.match(text.strip())
        title, url = (link[1], link[2]) if link else (text, None)
        title = unescape(" ".join(title.split()))
        date = parse_date_line(title, self.ctx.reference, self.ctx.explicit_date)
        if date:
            yield from self.flush()
            self.page_date = date
        elif level >= 3 or _paper_id(url):
            yield from self.title(title, url, start)

    def _date(self, date: dt.date) -> None:
        if self.entry and self.entry.abstract is not None and self.entry.published is None:
            self.entry.published = date
        else:
            self.page_date = date


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield a Paper per title/abstract entry; a title with no abstract is Skipped with its line."""
    page = _Page(ctx)
    for start, block in blocks(lines):
        yield from page.block(start, block)
    yield from page.flush()
