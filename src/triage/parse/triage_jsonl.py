"""triage's own JSONL (`triage parse --format jsonl` and later exports), read back exactly.

Each line is a dumped Paper, perhaps with keys later commands add (`tags`, `code_url`, `score`...)
or wrapped as `{"paper": {...}, "tags": [...]}`; those extras are ignored. The Paper fields are
kept as written, `source` included: an export read back still names the dump the paper came
from (a line without `source` gets this file and line). Records are validated, not re-cleaned,
so parsing an export gives the very records that were exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from triage.models import Paper, Skipped
from triage.parse.records import ParseContext

PAPER_FIELDS = frozenset(Paper.model_fields)


def record_to_paper(record: dict[str, Any], ctx: ParseContext, line: int) -> Paper | Skipped:
    """The Paper a JSONL object holds, or Skipped naming the first field that is wrong."""
    if isinstance(record.get("paper"), dict) and "title" not in record:
        record = record["paper"]  # classify's TaggedPaper shape
    fields = {key: value for key, value in record.items() if key in PAPER_FIELDS}
    fields.setdefault("source", ctx.where(line).model_dump())
    try:
        return Paper.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "record"
        return ctx.skip(f"not a triage record: {where}: {error['msg']}", line)


def parse(lines: Iterable[str], ctx: ParseContext) -> Iterator[Paper | Skipped]:
    """Yield the Paper on each line; a line that is not one is Skipped with its number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ctx.skip(f"invalid JSON line ({exc.msg})", line=number)
            continue
        if not isinstance(record, dict):
            yield ctx.skip("line is not a JSON object", line=number)
            continue
        yield record_to_paper(record, ctx, number)
