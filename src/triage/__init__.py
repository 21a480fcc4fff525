"""triage: turn the daily flood of ML paper listings into a short, ranked, explainable list.

The library API is a pure function of records: `parse_file` / `parse_text` yield Paper records,
so the same code maps over partitions in Spark, Dask or Ray.
"""

from triage.models import Paper, Skipped, SourceRef, Tag, TaggedPaper
from triage.parse import parse_file, parse_text

# The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

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
