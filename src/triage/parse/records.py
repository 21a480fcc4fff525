"""Building validated Paper records from raw fields; a bad record becomes Skipped, never raises."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from triage.models import Paper, Skipped, SourceRef
from triage.text import clean_text, extract_urls, normalise_arxiv_id, paper_id

MAX_TITLE = 600
# Real abstracts run to a few thousand characters; one far longer is a record that swallowed the
# rest of its file (a lost separator), and classifying it would cost seconds and gigabytes.
MAX_ABSTRACT = 100_000
# `\ud83d` in JSON text: half of a UTF-16 pair, often left alone by a scraper that cut a string.
# A whole pair (`\ud83d\ude00`, how json.dump writes every emoji) matches with its low half.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD](?:[89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|([89a-fA-F]))")
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value: Any) -> Any:
    """`value` with every lone UTF-16 surrogate in its strings (keys too) replaced by U+FFFD.

    Python decodes an unpaired `\\ud83d` escape into a str that cannot be written as UTF-8: SQLite,
    JSON output and the terminal would all fail on it, in whatever field it stands."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    return value


def json_loads(text: str) -> Any:
    """`json.loads`, with lone surrogates replaced (see `without_surrogates`) when the text has any."""
    value = json.loads(text)
    return without_surrogates(value) if _has_lone_surrogate(text) else value


def _has_lone_surrogate(text: str) -> bool:
    """Whether JSON text escapes half a surrogate pair (the text is scanned only when it escapes one
    at all, so clean dumps pay one substring search)."""
    return ("\\ud" in text or "\\uD" in text) and any(m.group(1) for m in _SURROGATE_ESCAPE.finditer(text))


_ARRAY_START = re.compile(r'\s*(?:\[|\{\s*(?:"[^"\\]*"\s*:\s*(?:"[^"\\]*"|[\w.+-]+)\s*,\s*)*"data"\s*:\s*\[)')
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")


def complete_items(text: str) -> list[Any]:
    """The items of a JSON array that breaks off (a download cut short, a file truncated by a
    full disk), up to the last complete one: the array is the document itself or the `data` of
    its first keys (`{"status": "ok", "data": [...`). Empty when the text does not start so."""
    start = _ARRAY_START.match(text)
    if start is None:
        return []
    items: list[Any] = []
    at = start.end()
    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        try:
            item, at = _DECODER.raw_decode(text, at)
        except (ValueError, RecursionError):
            break
        items.append(item)
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]
        if text.startswith(",", at):
            at += 1
        else:
            break
    return without_surrogates(items) if _has_lone_surrogate(text) else items


def broken_json(exc: json.JSONDecodeError, text: str, what: str) -> tuple[list[Any], str]:
    """The complete items before the place where a JSON `what` breaks, and the reason to report."""
    items = complete_items(text)
    where = f"{exc.msg}; line {exc.lineno}, column {exc.colno}"
    if not items:
        return [], f"invalid JSON ({where}); file not read"
    return items, (
        f"invalid JSON ({where}): the {what} breaks off there, so only its first {len(items)} "
        "complete records were read; fetch the file again for the rest"
    )


@dataclass
class ParseContext:
    """What every parser needs besides the text: the file name, format and reference date."""

    file: str
    format: str
    reference: dt.date
    explicit_date: bool
    boilerplate: frozenset[str] = field(default_factory=frozenset)
    ui_patterns: tuple[Any, ...] = ()

    def where(self, line: int | None = None, index: int | None = None) -> SourceRef:
        return SourceRef(file=self.file, format=self.format, line=line, index=index)

    def skip(
        self,
        reason: str,
        line: int | None = None,
        index: int | None = None,
        *,
        expected: bool = False,
    ) -> Skipped:
        return Skipped(reason=reason, source=self.where(line, index), expected=expected)


def make_paper(
    ctx: ParseContext,
    title: str,
    abstract: str,
    *,
    line: int | None = None,
    index: int | None = None,
    arxiv_id: str | None = None,
    published: dt.date | None = None,
    authors: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Paper | Skipped:
    """A Paper from raw text fields, or Skipped with the reason when they cannot make one."""
    title = clean_text(title or "")
    abstract = clean_text(abstract or "")
    if not title:
        return ctx.skip("record has no title", line, index)
    if len(title) > MAX_TITLE:
        return ctx.skip(f"title is {len(title)} characters long; not a paper title", line, index)
    if len(abstract) > MAX_ABSTRACT:
        size = f"{len(abstract):,} characters long"
        return ctx.skip(f"abstract is {size}; not a paper abstract (a lost record separator?)", line, index)
    arxiv = normalise_arxiv_id(arxiv_id)
    try:
        return Paper(
            id=paper_id(arxiv, title),
            title=title,
            abstract=abstract,
            published=published,
            authors=[clean_text(a) for a in authors or [] if clean_text(a)],
            arxiv_id=arxiv,
            urls=extract_urls(abstract),
            source=ctx.where(line, index),
            extra=extra or {},
        )
    except ValidationError as exc:
        return ctx.skip(f"invalid record: {exc.errors()[0]['msg']}", line, index)


def json_lines(
    numbered: Iterable[tuple[int, str]], ctx: ParseContext
) -> Iterator[tuple[int, dict[str, Any]] | Skipped]:
    """The JSON object on each non-blank line with its number; a bad line is Skipped, not raised."""
    for number, line in numbered:
        if not line.strip():
            continue
        try:
            record = json_loads(line)
        except json.JSONDecodeError as exc:
            yield ctx.skip(f"invalid JSON line ({exc.msg})", line=number)
            continue
        except (ValueError, RecursionError) as exc:  # nesting too deep, a number too long
            yield ctx.skip(f"unreadable JSON line ({type(exc).__name__})", line=number)
            continue
        if not isinstance(record, dict):
            yield ctx.skip("line is not a JSON object", line=number)
            continue
        yield number, record
