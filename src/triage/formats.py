"""The dump formats triage reads, one parser module each under `triage.parse`.

Kept apart from the parsers so the command line can offer the choices without loading them.
"""

FORMATS = ("hf-page", "hf-api", "arxiv-snapshot", "arxiv-email", "markdown", "triage-jsonl")
# What `list` / `export` write (one writer each under `triage.export`), and the -o suffixes that
# choose one when --format is not given.
EXPORT_FORMATS = ("jsonl", "json", "csv", "md", "bib")
EXPORT_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".md": "md",
    ".markdown": "md",
    ".bib": "bib",
}
