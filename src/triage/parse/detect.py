"""Guessing a dump's format from its name and first bytes (`--input-format` overrides)."""

from __future__ import annotations

import json
import re

FORMATS = ("hf-page", "hf-api", "arxiv-snapshot", "arxiv-email", "markdown", "triage-jsonl")


def _first_json_line(head: str) -> object | None:
    for line in head.splitlines():
        if line.strip():
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def _jsonl_kind(record: dict[str, object]) -> str:
    if "tags" in record or ("source" in record and "id" in record and "title" in record):
        return "triage-jsonl"
    if "paper" in record:
        return "hf-api"
    return "arxiv-snapshot"


def detect_format(name: str, head: str) -> str:
    """The format id of a dump, judged from its content first and its file name second."""
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        first = _first_json_line(stripped)
        if (
            (isinstance(first, dict)
            and len(stripped.splitlines()) > 1)
            or (isinstance(first, dict) and name.endswith(".jsonl"))
        ):
            return _jsonl_kind(first)
        return "hf-api"
    if re.search(r"^arXiv:\S+", head, re.M) and re.search(r"^Title:", head, re.M):
        return "arxiv-email"
    if (
        name.endswith((".md", ".markdown"))
        or len(re.findall(r"^#{1,6} |\]\(https?://", head, re.M)) >= 3
    ):
        return "markdown"
    return "hf-page"
