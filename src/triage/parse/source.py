"""Opening dumps: refuse binary or unreadable files up front, then stream decoded lines."""

from __future__ import annotations

import io
import os
import shutil
import stat
import sys
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from triage.errors import InputError
from triage.text import utf8_name

HEAD_BYTES = 64 * 1024
# The format is judged by the first record: a first line longer than HEAD_BYTES (one JSONL record
# with a long abstract) is read on to its end, up to this many bytes.
MAX_HEAD_LINE = 8 * 1024 * 1024
STDIN = "-"


@dataclass
class Dump:
    """A dump opened for parsing: its display name, the first bytes decoded, and its lines."""

    name: str
    head: str
    _path: Path | None
    _data: bytes | None = None

    def lines(self) -> Iterator[str]:
        """Decoded lines without line endings: CRLF/CR handled, BOM dropped, bad bytes replaced."""
        raw: io.BufferedIOBase
        raw = io.BytesIO(self._data or b"") if self._path is None else self._path.open("rb")
        with io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=None) as text:
            for line in text:
                yield line.rstrip("\n")

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The raw bytes in pieces (hashing a dump without holding it in memory)."""
        if self._path is None:
            yield self._data or b""
            return
        with self._path.open("rb") as handle:
            while chunk := handle.read(size):
                yield chunk

    def text(self) -> str:
        return "\n".join(self.lines())

    def read_head(self) -> bytes:
        """The first HEAD_BYTES, or the whole first line when it is longer (up to MAX_HEAD_LINE)."""
        parts: list[bytes] = []
        size = 0
        for chunk in self.chunks(HEAD_BYTES):
            parts.append(chunk)
            size += len(chunk)
            if b"\n" in chunk or size >= MAX_HEAD_LINE:
                break
        return b"".join(parts)


def _spooled(name: str, source: BinaryIO) -> Dump:
    """A dump that can be read only once (stdin, a pipe), copied piece by piece to a temporary
    file that lives as long as the Dump: memory stays flat whatever its size."""
    handle, spool = tempfile.mkstemp(prefix="triage-", suffix=".dump")
    dump = Dump(name, "", Path(spool))
    weakref.finalize(dump, os.unlink, spool)
    with os.fdopen(handle, "wb") as copy:
        shutil.copyfileobj(source, copy, 1 << 20)
    return dump


def display_name(name: str | Path) -> str:
    """How a dump is named in messages, records and the database: `<stdin>` for `-`, and a file
    name that is not valid UTF-8 with U+FFFD for its bad bytes (Python holds them as lone
    surrogates, which SQLite and every UTF-8 writer refuse)."""
    if str(name) == STDIN:
        return "<stdin>"
    return utf8_name(name)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    if not head:
        return False
    text = head.decode("utf-8", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t\f"))
    return bad / len(text) > 0.10


def open_dump(name: str | Path) -> Dump:
    """Open a file (or `-` for stdin); raise InputError naming it if it is not a readable text dump."""
    if str(name) == STDIN:
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise InputError("<stdin>: standard input is closed; pipe a dump in or name a file")
        try:
            dump = _spooled(display_name(STDIN), sys.stdin.buffer)
        except OSError as exc:
            raise InputError(f"<stdin>: cannot read: {exc.strerror or exc}") from None
        head = dump.read_head()
    else:
        path, shown = Path(name), display_name(name)
        try:
            with path.open("rb") as handle:
                # A pipe (`<(zcat dump.gz)`, a FIFO) can be read only once, and hashing and
                # parsing each read the dump: it is copied to a temporary file first, as stdin is.
                if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    dump = Dump(shown, "", path)
                else:
                    dump = _spooled(shown, handle)
                head = dump.read_head()
        except IsADirectoryError:
            raise InputError(f"{shown}: is a folder; give the dump files inside it") from None
        except FileNotFoundError:
            raise InputError(f"{shown}: no such file; check the path") from None
        except OSError as exc:
            raise InputError(f"{shown}: cannot read: {exc.strerror}; check permissions") from None
    if _looks_binary(head[:HEAD_BYTES]):
        raise InputError(f"{dump.name}: not a text dump (binary content); give a text, JSON or JSONL file")
    dump.head = head.decode("utf-8-sig", errors="replace")
    return dump
