"""triage: turn the daily flood of ML paper listings into a short, ranked, explainable list.

The library API is a pure function of records: `parse_file` / `parse_text` yield Paper records,
so the same code maps over partitions in Spark, Dask or Ray.
"""

import importlib
from typing import Any

from triage.models import Paper, Skipped, SourceRef, Tag, TaggedPaper

# The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`parse_file` and `parse_text` load the parsers on first use, so commands that only read
    the store start without them."""
    if name in ("parse_file", "parse_text"):
        from triage import parse

        return getattr(parse, name)
    if name in ("parse", "classify"):
        return importlib.import_module(f"triage.{name}")
    raise AttributeError(f"module 'triage' has no attribute {name!r}")


__all__ = [
    "Paper",
    "Skipped",
    "SourceRef",
    "Tag",
    "TaggedPaper",
    "__version__",
    "parse_file",
    "parse_text",
]
