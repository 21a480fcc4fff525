"""Guessing a dump's format from its name and first bytes (`--input-format` overrides)."""

from __future__ import annotations

import json
import re


def _first_json_line(head: str) -> object | None:
    for line in head.splitlines():
        if line.strip():
            try:
                value: object = json.loads(line)
                return value
            except (ValueError, RecursionError):
                return None
    return None


def _json_kind(record: dict[str, object]) -> str:
    """Which JSON format a first record belongs to, by the keys only that format has."""
    if "tags" in record or {"id", "title", "source"} <= record.keys():
        return "triage-jsonl"
    if "paper" in record or "data" in record:  # an API record, or the `{"status", "data"}` wrapper
        return "hf-api"
    return "arxiv-snapshot"


def detect_format(name: str, head: str) -> str:
    """The format id of a dump, judged from its content first and its file name second.

    JSON: a first line that is a whole object is judged by its keys (one-line files included);
    an array of triage records is triage's own JSON export; anything else that starts with `[`
    or `{` is a pretty-printed API document. Text: `arXiv:` and
    `Title:` lines make an e-mail digest; a `.md` name or several headings/links make markdown;
    the rest is the saved-page text format.
    """
    stripped = head.lstrip("\ufeff \t\r\n")
    if re.match(r'\[\s*\{\s*"id"\s*:', stripped) and '"source"' in stripped:
        return "triage-jsonl"  # `triage export --format json`: an array of triage records
    if stripped.startswith(("{", "[")):
        first = _first_json_line(stripped)
        return _json_kind(first) if isinstance(first, dict) else "hf-api"
    if re.search(r"^arXiv:\S+", head, re.M) and re.search(r"^Title:", head, re.M):
        return "arxiv-email"
    if name.endswith((".md", ".markdown")) or len(re.findall(r"^#{1,6} |\]\(https?://", head, re.M)) >= 3:
        return "markdown"
    return "hf-page"
