"""The saved-page text format: boilerplate, date lines, then title / abstract paragraph pairs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from triage.models import Paper, Skipped
from triage.parse.dates import parse_date_line
from triage.parse.records import ParseContext, make_paper

# A title is one short paragraph; an abstract is long or made of sentences.
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 200
_SENTENCE = re.compile(r"[.!?]\s+\S")


def paragraphs(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Groups of consecutive non-blank lines, with the 1-based line number where each starts."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.strip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _is_noise(block: list[str], ctx: ParseContext) -> list[str]:
    """The block without page boilerplate; a one-line UI paragraph (counts, URLs) becomes empty."""
    kept = [line for line in block if line.casefold() not in ctx.boilerplate]
    if len(kept) == 1 and any(p.search(kept[0]) for p in ctx.ui_patterns):
        return []
    return kept


def _looks_like_abstract(text: str) -> bool:
    """Long, or made of sentences (titles seldom end with a full stop)."""
    if len(text) >= MIN_ABSTRACT_CHARS:
        return True
    return len(text) >= 60 and (bool(_SENTENCE.search(text)) or text.endswith((".", "!", "?")))


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield a Paper per title/abstract pair; a title with no abstract is Skipped with its line."""
    published: dt.date | None = None
    pending: tuple[int, str] | None = None
    for start, block in paragraphs(lines):
        kept = _is_noise(block, ctx)
        if not kept:
            continue
        text = " ".join(kept)
        date = parse_date_line(text, ctx.reference, ctx.explicit_date) if len(kept) == 1 else None
        if date is not None:
            if pending:
                yield ctx.skip("title with no abstract before a date line", pending[0])
            published, pending = date, None
        elif pending is None:
            if len(text) > MAX_TITLE_CHARS:
                yield ctx.skip("paragraph without a title line before it", start)
            else:
                pending = (start, text)
        elif _looks_like_abstract(text):
            yield make_paper(ctx, pending[1], text, line=pending[0], published=published)
            pending = None
        else:
            yield ctx.skip("title with no abstract after it", pending[0])
            pending = (start, text)
    if pending:
        yield ctx.skip("title with no abstract at the end of the dump", pending[0])
