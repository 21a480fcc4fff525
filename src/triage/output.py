"""Writing results: atomic `-o` files, and text made safe for terminals and tables."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from triage.errors import TriageError, UsageError
from triage.text import UNSAFE_BUT_WHITESPACE

# C0/C1 controls but tab and newline (ESC starts every terminal escape sequence), zero-width and
# directional marks, bidi overrides/isolates, line/paragraph separators and the BOM.


def safe_text(text: str) -> str:
    """Scraped text as inert terminal text: no control or bidi characters, no rich markup."""
    from rich.markup import escape  # only output drawn by rich needs it; imported on first use

    return escape(UNSAFE_BUT_WHITESPACE.sub(" ", text).replace("\r", " "))


class OutputError(TriageError):
    """The -o file cannot be written (no permission, a read-only disk)."""


class DiscardOutput(Exception):
    """Raised inside `open_output` to leave the target as it was (the run produced nothing)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where the names lead
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwriting(path: str | Path, protected: Iterable[tuple[str | Path, str]]) -> None:
    """A UsageError when `path` names one of the `protected` files (the database, an input dump):
    `-o` replaces its target, so `export -o triage.db` would destroy the database. A device or
    pipe is written to, never replaced, so it is never refused."""
    if os.path.exists(path) and not os.path.isfile(path):
        return
    for other, what in protected:
        if _same_file(path, other):
            raise UsageError(f"{path}: this is {what}, which -o would replace; choose another -o path")


def database_files(db: str | Path) -> list[tuple[str | Path, str]]:
    """The database and the files SQLite keeps beside it, as `refuse_overwriting` takes them."""
    sidecars = [(f"{db}{suffix}", f"a file of the database {db}") for suffix in ("-wal", "-shm", "-journal")]
    return [(db, "the database"), *sidecars]


@contextlib.contextmanager
def open_output(
    path: str | Path | None, protected: Iterable[tuple[str | Path, str]] = ()
) -> Iterator[TextIO]:
    """stdout for None or `-`; otherwise a temp file beside `path`, renamed over it on success.

    The target is never left half-written: an exception, or DiscardOutput, keeps the old file.
    A symlink is followed (the file it points to is replaced); a device or pipe (/dev/null, a
    FIFO) is written directly, never replaced; a missing folder is created. A target that is one
    of the `protected` files (the database, an input) is refused before anything is written.
    """
    if path is None or str(path) == "-":
        with contextlib.suppress(DiscardOutput):
            yield sys.stdout
        sys.stdout.flush()
        return
    refuse_overwriting(path, protected)
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        with (
            _writing(target),
            target.open("w", encoding="utf-8", newline="") as handle,
            contextlib.suppress(DiscardOutput),
        ):
            yield handle
        return
    with _writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except DiscardOutput:
        os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """OSError while preparing an output file -> one line naming it (no traceback)."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc}); choose another -o path") from exc
