"""Running parsers over many inputs while counting what each file gave: papers, skips, refusals."""

from __future__ import annotations

import glob
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from triage.errors import ExitCode, InputError
from triage.models import Paper, Skipped
from triage.parse import ParseOptions, parse_file
from triage.parse.source import display_name

DUMP_SUFFIXES = {".txt", ".json", ".jsonl", ".md", ".markdown", ".ndjson"}


SHOWN_PER_REASON = 3  # skip messages printed per file and reason; the rest are counted


@dataclass
class FileReport:
    name: str
    papers: int = 0
    skipped: int = 0
    expected: int = 0
    error: str | None = None
    reasons: Counter[str] = field(default_factory=Counter)

    def note(self, record: Skipped, warn: Callable[[str], None]) -> None:
        """Count a skipped record; print the first few of each reason, summarise the rest later.

        Expected notices (an arXiv digest's replacements) are only counted: the summary line
        says how many, and a quiet cron run stays quiet.
        """
        if record.expected:
            self.expected += 1
            return
        self.skipped += 1
        reason = re.sub(r"\d[\d.:v]*|'[^']*'", "N", record.reason)
        self.reasons[reason] += 1
        if self.reasons[reason] <= SHOWN_PER_REASON:
            warn(record.message())

    def flush(self, warn: Callable[[str], None]) -> None:
        for reason, count in self.reasons.items():
            if count > SHOWN_PER_REASON:
                warn(f"{self.name}: {count - SHOWN_PER_REASON} more skipped like: {reason}")


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
    def expected(self) -> int:
        return sum(f.expected for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    @property
    def empty(self) -> list[FileReport]:
        return [f for f in self.files if not f.error and f.papers == 0]

    def exit_code(self, strict: bool) -> ExitCode:
        return exit_code(bool(self.failed), self.skipped, bool(self.empty), strict)

    def summary(self) -> str:
        head = _counts(self.papers, self.skipped, self.expected)
        if len(self.files) == 1:
            return f"{head} from {self.files[0].name}"
        parts = [
            f"{f.name}: {'refused' if f.error else _counts(f.papers, f.skipped, f.expected)}"
            for f in self.files
        ]
        return f"{head} from {len(self.files)} files ({'; '.join(parts)})"


def _counts(papers: int, skipped: int, expected: int) -> str:
    text = f"{papers} papers, {skipped} skipped"
    return text + (f", {expected} notices without a paper" if expected else "")


def exit_code(refused: bool, skipped: int, empty: bool, strict: bool) -> ExitCode:
    """The one exit policy of every command that reads dumps: 1 when a file was refused, or under
    --strict when a record was skipped or a file gave no papers; 0 otherwise."""
    return ExitCode.DATA_ERROR if refused or (strict and (skipped or empty)) else ExitCode.OK


def expand_inputs(inputs: Iterable[str], warn: Callable[[str], None] | None = None) -> list[str]:
    """Files as given, folders as their dump files (sorted), and globs the shell did not expand.
    A folder without dump files is reported through `warn` (a wrong folder in a cron line)."""
    found: list[str] = []
    for item in inputs:
        if not item.strip():
            raise InputError("an empty path was given; name a dump, a folder or `-` for stdin")
        path = Path(item)
        if item != "-" and path.is_dir():
            dumps = sorted(
                str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in DUMP_SUFFIXES
            )
            if not dumps and warn is not None:
                kinds = ", ".join(sorted(DUMP_SUFFIXES))
                warn(f"{display_name(item)}: no dump files in this folder ({kinds}); subfolders are not read")
            found += dumps
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
    for name in expand_inputs(inputs, warn):
        file_report = FileReport(name=display_name(name))
        report.files.append(file_report)
        try:
            for record in parse_file(name, options):
                if isinstance(record, Skipped):
                    file_report.note(record, warn)
                else:
                    file_report.papers += 1
                    yield record
        except InputError as exc:
            file_report.error = str(exc)
            warn(str(exc))
            continue
        file_report.flush(warn)
        if file_report.papers == 0:
            warn(f"no papers found in {file_report.name}")
