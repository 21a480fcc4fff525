"""Parsing dumps into Paper records: format detection, then one parser module per format.

`parse_file` yields `Paper | Skipped` and never raises per record; only a file that cannot be
read at all raises `InputError`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import field_validator

from triage.config import ConfigDirs, StrictModel, load_model
from triage.errors import UsageError
from triage.formats import FORMATS
from triage.models import Paper, Skipped
from triage.parse.dates import date_from_name
from triage.parse.detect import detect_format
from triage.parse.records import ParseContext
from triage.parse.source import Dump, open_dump

__all__ = ["FORMATS", "ParseConfig", "ParseOptions", "detect_format", "parse_file", "parse_text"]

_MODULES = {
    "hf-page": "hfpage",
    "hf-api": "hfapi",
    "arxiv-snapshot": "arxiv_snapshot",
    "arxiv-email": "email_digest",
    "markdown": "markdown",
    "triage-jsonl": "triage_jsonl",
}


class ParseConfig(StrictModel):
    """`parsing.yaml`: page boilerplate lines and one-line UI patterns the text parser drops."""

    boilerplate: list[str] = []
    ui_patterns: list[str] = []

    @field_validator("ui_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns


@dataclass
class ParseOptions:
    """Choices that apply to every file of a run."""

    input_format: str | None = None
    date: dt.date | None = None
    config: ParseConfig | None = None

    @classmethod
    def load(
        cls, dirs: ConfigDirs, input_format: str | None = None, date: dt.date | None = None
    ) -> ParseOptions:
        return cls(input_format, date, load_model(ParseConfig, dirs.find("parsing.yaml")))


class _Parser(Protocol):
    def __call__(self, lines: Iterator[str], ctx: ParseContext) -> Iterator[Paper | Skipped]: ...


def _parser(fmt: str) -> _Parser:
    if fmt not in _MODULES:
        raise UsageError(f"unknown input format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"triage.parse.{_MODULES[fmt]}")
    parse: _Parser = module.parse
    return parse


def _context(dump: Dump, fmt: str, options: ParseOptions) -> ParseContext:
    named = date_from_name(Path(dump.name).name)
    reference = options.date or named or dt.date.today()
    config = options.config or ParseConfig()
    return ParseContext(
        file=dump.name,
        format=fmt,
        reference=reference,
        explicit_date=options.date is not None or named is not None,
        boilerplate=frozenset(line.casefold() for line in config.boilerplate),
        ui_patterns=tuple(re.compile(p) for p in config.ui_patterns),
    )


def parse_dump(dump: Dump, options: ParseOptions | None = None) -> Iterator[Paper | Skipped]:
    options = options or ParseOptions()
    fmt = options.input_format or detect_format(dump.name, dump.head)
    parse = _parser(fmt)
    yield from parse(dump.lines(), _context(dump, fmt, options))


def parse_file(path: str | Path, options: ParseOptions | None = None) -> Iterator[Paper | Skipped]:
    """Parse one dump (`-` for stdin) into a stream of Paper and Skipped records."""
    yield from parse_dump(open_dump(path), options)


def parse_text(
    text: str, name: str = "<text>", options: ParseOptions | None = None
) -> Iterator[Paper | Skipped]:
    """Parse a dump held in memory (tests, notebooks, other engines mapping over partitions)."""
    dump = Dump(name, text[:65536], None, text.encode("utf-8"))
    yield from parse_dump(dump, options)
