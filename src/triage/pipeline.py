"""Running parsers over many inputs while counting what each file gave: papers, skips, refusals."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import InputError
from triage.models import Paper, Skipped
from triage.parse import ParseOptions, parse_file

DUMP_SUFFIXES = {".txt", ".json", ".jsonl", ".md", ".markdown", ".ndjson"}


@dataclass
class FileReport:
    name: str
    papers: int = 0
    skipped: int = 0
    error: str | None = None


@dataclass
class RunReport:
    """Per-file counts of one run; `summary()` is the one line printed on stderr."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def papers(self) -> int:
        return sum(f.papers for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    @property
    def empty(self) -> list[FileReport]:
        return [f for f in self.files if not f.error and f.papers == 0]

    def summary(self) -> str:
        head = f"{self.papers} papers, {self.skipped} skipped"
        if len(self.files) == 1:
            return f"{head} from {self.files[0].name}"
        parts = [
            f"{f.name}: {'refused' if f.error else f'{f.papers} papers, {f.skipped} skipped'}"
            for f in self.files
        ]
        return f"{head} from {len(self.files)} files ({'; '.join(parts)})"


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files as given, folders as their dump files (sorted), and globs the shell did not expand."""
    found: list[str] = []
    for item in inputs:
        path = Path(item)
        if item != "-" and path.is_dir():
            found += sorted(
                str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in DUMP_SUFFIXES
            )
        elif item != "-" and not path.exists() and glob.has_magic(item):
            found += sorted(glob.glob(item)) or [item]
        else:
            found.append(item)
    return found


def iter_papers(
    inputs: Iterable[str],
    options: ParseOptions,
    report: RunReport,
    warn: Callable[[str], None],
) -> Iterator[Paper]:
    """Papers from every input in order; skips and refused files are counted and reported via `warn`."""
    for name in expand_inputs(inputs):
        file_report = FileReport(name="<stdin>" if name == "-" else name)
        report.files.append(file_report)
        try:
            for record in parse_file(name, options):
                if isinstance(record, Skipped):
                    file_report.skipped += 1
                    warn(record.message())
                else:
                    file_report.papers += 1
                    yield record
        except InputError as exc:
            file_report.error = str(exc)
            warn(str(exc))
            continue
        if file_report.papers == 0:
            warn(f"no papers found in {file_report.name}")
