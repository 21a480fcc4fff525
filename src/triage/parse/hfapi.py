"""The Hugging Face daily-papers API shape: a JSON list, its dict wrapper, repr strings or JSONL."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from triage.models import Paper, Skipped
from triage.parse.records import (
    ParseContext,
    broken_json,
    json_lines,
    json_loads,
    make_paper,
    without_surrogates,
)

# Kept in `extra` when present; the API moved some of them between the record and `paper`.
EXTRA_KEYS = (
    "upvotes",
    "numComments",
    "githubRepo",
    "githubStars",
    "projectPage",
    "ai_summary",
    "ai_keywords",
)


def _as_dict(item: object) -> dict[str, Any] | None:
    """A record as a dict; some dumps store each record as the Python repr of one."""
    if isinstance(item, str):
        try:
            # literal_eval builds literals only (never calls code); deep nesting or huge
            # numbers can still fail, so every failure means "not a record".
            item = without_surrogates(ast.literal_eval(item))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return item if isinstance(item, dict) else None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def record_to_paper(item: object, ctx: ParseContext, index: int | None, line: int | None) -> Paper | Skipped:
    """One API record (dict or repr string) as a Paper, or Skipped saying what is wrong with it."""
    record = _as_dict(item)
    if record is None:
        return ctx.skip("record is not a JSON object (nor a Python dict literal)", line, index)
    paper = record.get("paper")
    if not isinstance(paper, dict):
        return ctx.skip("record has no `paper` object", line, index)
    authors = paper.get("authors")
    names = [
        a["name"]
        for a in (authors if isinstance(authors, list) else [])
        if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    # absent and null mean the same (no repo, no stars): only values that say something are kept
    extra = {key: value for key in EXTRA_KEYS if (value := paper.get(key, record.get(key))) is not None}
    return make_paper(
        ctx,
        _text(paper.get("title")) or _text(record.get("title")),
        _text(paper.get("summary")) or _text(record.get("summary")),
        line=line,
        index=index,
        arxiv_id=_text(paper.get("id")),
        published=_date(paper.get("publishedAt")) or _date(record.get("publishedAt")),
        authors=names,
        extra=extra,
    )


def _parse_document(text: str, ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """A whole JSON document: a list of records, or the `{"status", "data": [...]}` wrapper."""
    broken: Skipped | None = None
    try:
        document = json_loads(text)
    except json.JSONDecodeError as exc:
        document, reason = broken_json(exc, text, "list of papers")
        broken = ctx.skip(reason, line=exc.lineno)
    except (ValueError, RecursionError) as exc:  # nesting too deep, a number too long
        yield ctx.skip(f"unreadable JSON ({type(exc).__name__}); file not read")
        return
    if isinstance(document, dict):
        document = document.get("data", [document])
    if not isinstance(document, list):
        yield ctx.skip("JSON document is neither a list of papers nor an object with `data`")
        return
    for index, item in enumerate(document):
        yield record_to_paper(item, ctx, index, None)
    if broken is not None:
        yield broken


def _parse_jsonl(numbered: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    for item in json_lines(numbered, ctx):
        yield item if isinstance(item, Skipped) else record_to_paper(item[1], ctx, None, item[0])


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield a Paper per API record; JSONL streams, a JSON document is read whole (it must be)."""
    numbered = enumerate(lines, start=1)
    head: list[str] = []
    for _number, line in numbered:
        head.append(line)
        if line.strip():
            break
    first = head[-1] if head else ""
    try:
        first_record = json.loads(first)
    except (ValueError, RecursionError):
        first_record = None
    if isinstance(first_record, dict) and "paper" in first_record:
        yield from _parse_jsonl(itertools.chain([(len(head), first)], numbered), ctx)
    else:
        yield from _parse_document("\n".join(itertools.chain(head, (s for _, s in numbered))), ctx)
