"""The arXiv metadata snapshot: one JSON object per line (`id`, `title`, `abstract`, ...)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from triage.models import Paper, Skipped
from triage.parse.records import ParseContext, json_lines, make_paper
from triage.text import clean_text

_PARENTHESES = re.compile(r"\([^()]*\)")
_AUTHOR_SEPARATOR = re.compile(r",|\band\b")
# Optional fields copied to `extra` under the snapshot's own names.
EXTRA_KEYS = ("doi", "journal-ref", "comments")


def split_authors(text: str) -> list[str]:
    """arXiv's author string (`A, B (Univ) and C`) as names, affiliations in parentheses dropped."""
    previous = None
    while previous != text:  # affiliations nest: `A (1) ((1) Univ)`
        previous, text = text, _PARENTHESES.sub(" ", text)
    return [name for part in _AUTHOR_SEPARATOR.split(text) if (name := " ".join(part.split()))]


def _parsed_authors(value: object) -> list[str]:
    """Names from `authors_parsed` ([last, first, suffix, affiliation?]); LaTeX already decoded."""
    names: list[str] = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, list) and all(isinstance(p, str) for p in entry[:3]):
            last, first, suffix = (*entry[:3], "", "")[:3]
            if name := " ".join(p for p in (first, last, suffix) if p.strip()):
                names.append(name)
    return names


def published_date(record: dict[str, Any]) -> dt.date | None:
    """The first version's submission date, else `update_date`."""
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if isinstance(created, str):
            try:
                return parsedate_to_datetime(created).date()
            except (TypeError, ValueError):
                pass
    try:
        return dt.date.fromisoformat(str(record.get("update_date")))
    except ValueError:
        return None


def record_to_paper(record: dict[str, Any], ctx: ParseContext, line: int) -> Paper | Skipped:
    """One snapshot object as a Paper (or Skipped when it has no usable title)."""
    authors = _parsed_authors(record.get("authors_parsed"))
    if not authors and isinstance(record.get("authors"), str):
        authors = split_authors(record["authors"])
    extra: dict[str, Any] = {
        key: clean_text(value)
        for key in EXTRA_KEYS
        if isinstance(value := record.get(key), str) and value.strip()
    }
    if isinstance(record.get("categories"), str):
        extra["categories"] = record["categories"].split()
    return make_paper(
        ctx,
        str(record.get("title") or ""),
        str(record.get("abstract") or ""),
        line=line,
        arxiv_id=str(record.get("id") or ""),
        published=published_date(record),
        authors=authors,
        extra=extra,
    )


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield a Paper per line; a line that is not a JSON object is Skipped with its number."""
    for item in json_lines(enumerate(lines, start=1), ctx):
        yield item if isinstance(item, Skipped) else record_to_paper(item[1], ctx, item[0])
