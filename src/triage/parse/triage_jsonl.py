"""triage's own JSONL (`triage parse --format jsonl` and `triage export`), read back exactly.

Each line is a dumped Paper, perhaps with keys later commands add (`tags`, `code_url`, `score`...)
or wrapped as `{"paper": {...}, "tags": [...]}`; tags and scores are ignored (the rules recompute
them). The Paper fields are kept as written, `source` included: an export read back still names
the dump the paper came from (a line without `source` gets this file and line). Records are
validated, not re-cleaned, so parsing an export gives the very records that were exported.

A triage decision an export carries (`status` other than untriaged, `note`, `decisions`) comes
back on an `ExportedPaper`, so an ingest can restore it; it is not a Paper field and stays out
of `model_dump`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.models import Paper, Skipped
from triage.parse.records import ParseContext, broken_json, json_lines, json_loads
from triage.text import clean_text

PAPER_FIELDS = frozenset(Paper.model_fields)


class DecisionEntry(BaseModel):
    """One `triage mark`, as the store's decisions table holds it."""

    model_config = ConfigDict(frozen=True)

    decision: Literal["accepted", "rejected", "later"]
    note: str | None = None
    at: str


class ExportedDecision(BaseModel):
    """A paper's triage state in an export: the current status and note, and how it got there."""

    model_config = ConfigDict(frozen=True)

    status: Literal["accepted", "rejected", "later"]
    note: str | None = None
    history: list[DecisionEntry] = Field(default_factory=list)


class ExportedPaper(Paper):
    """A Paper read back from an export, with the decision it carried (excluded from dumps)."""

    decision: ExportedDecision | None = Field(default=None, exclude=True)


def _decision(record: dict[str, Any]) -> ExportedDecision | None:
    status = record.get("status")
    if status in (None, "untriaged"):
        return None
    return ExportedDecision.model_validate(
        {"status": status, "note": record.get("note"), "history": record.get("decisions") or []}
    )


def record_to_paper(
    record: dict[str, Any], ctx: ParseContext, line: int | None, index: int | None = None
) -> Paper | Skipped:
    """The Paper a JSONL object holds, or Skipped naming the first field that is wrong."""
    if isinstance(record.get("paper"), dict) and "title" not in record:
        record = record["paper"]  # classify's TaggedPaper shape
    fields = {key: value for key, value in record.items() if key in PAPER_FIELDS}
    for key in ("title", "abstract"):  # exports are clean; a hand-edited line may not be
        if isinstance(fields.get(key), str):
            fields[key] = clean_text(fields[key])
    fields.setdefault("source", ctx.where(line, index).model_dump())
    if isinstance(fields.get("id"), str) and not fields["id"].strip():  # no `show` or `mark` could name it
        return ctx.skip("not a triage record: id: empty", line, index)
    try:
        decision = _decision(record)
        if decision is None:
            return Paper.model_validate(fields)
        return ExportedPaper.model_validate({**fields, "decision": decision})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "record"
        prefix = "" if exc.title in ("Paper", "ExportedPaper") else "decision: "
        return ctx.skip(f"not a triage record: {prefix}{where}: {error['msg']}", line, index)


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield the Paper on each line; a line that is not one is Skipped with its number.

    `triage export --format json` writes one array instead of lines: read whole, record by record.
    """
    numbered = enumerate(lines, start=1)
    consumed: list[tuple[int, str]] = []
    for number, line in numbered:
        consumed.append((number, line))
        if line.strip():
            break
    rest = itertools.chain(consumed, numbered)
    if consumed and consumed[-1][1].lstrip().startswith("["):
        yield from _parse_array("\n".join(line for _, line in rest), ctx)
        return
    for item in json_lines(rest, ctx):
        yield item if isinstance(item, Skipped) else record_to_paper(item[1], ctx, item[0])


def _parse_array(text: str, ctx: ParseContext) -> Iterator[Paper | Skipped]:
    broken: Skipped | None = None
    try:
        records = json_loads(text)
    except json.JSONDecodeError as exc:
        records, reason = broken_json(exc, text, "array")
        broken = ctx.skip(reason, line=exc.lineno)
    except (ValueError, RecursionError) as exc:
        yield ctx.skip(f"unreadable JSON array ({type(exc).__name__}); file not read")
        return
    for index, record in enumerate(records if isinstance(records, list) else []):
        if isinstance(record, dict):
            yield record_to_paper(record, ctx, None, index=index)
        else:
            yield ctx.skip("array item is not a JSON object", index=index)
    if broken is not None:
        yield broken
