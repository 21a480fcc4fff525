"""Format detection on every fixture and on the shapes it must tell apart."""

from __future__ import annotations

import io
import os
import threading
import tracemalloc

import pytest
from parse_helpers import FIXTURES

from triage.parse import detect_format
from triage.parse.source import open_dump

EXPECTED = {
    "hfapi-list.json": "hf-api",
    "hfapi-repr-list.json": "hf-api",
    "hfapi-dict-wrapper.json": "hf-api",
    "hfapi-records.jsonl": "hf-api",
    "arxiv-snapshot.jsonl": "arxiv-snapshot",
    "arxiv-email-malformed.txt": "arxiv-email",
    "arxiv-email-sections.txt": "arxiv-email",
    "md-firecrawl-2026-10-02.md": "markdown",
    "md-trending-duplicated.md": "markdown",
    "triage-export-with-tags.jsonl": "triage-jsonl",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_every_fixture_is_detected(name, fmt):
    dump = open_dump(FIXTURES / name)
    assert detect_format(dump.name, dump.head) == fmt


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        # one-line files, whatever their name (stdin has none)
        (
            '{"id": "t1", "title": "T", "source": {"file": "x", "format": "hf-page"}}\n',
            "triage-jsonl",
        ),
        ('{"paper": {"id": "2401.00001"}, "tags": []}\n', "triage-jsonl"),
        ('{"paper": {"id": "2401.00001", "title": "T"}}', "hf-api"),
        ('{"status": "success", "date": "2025-01-10", "count": 0, "data": []}', "hf-api"),
        ('{"id": "0704.0001", "title": "T", "abstract": "A"}', "arxiv-snapshot"),
        ("[\n  {\n", "hf-api"),
    ],
)
def test_json_shapes(head, fmt):
    assert detect_format("<stdin>", head) == fmt


def test_markdown_without_the_extension_is_still_markdown():
    head = (FIXTURES / "md-trending-duplicated.md").read_text()
    assert detect_format("trending.txt", head) == "markdown"


@pytest.mark.parametrize(
    ("first_line", "fmt"),
    [
        ('{"id": "0704.0001", "title": "T", "abstract": "' + "long " * 20_000 + '"}', "arxiv-snapshot"),
        ('{"paper": {"id": "2401.00001", "summary": "' + "long " * 20_000 + '"}}', "hf-api"),
        ('{"id": "t1", "title": "T", "abstract": "' + "long " * 20_000 + '", "tags": {}}', "triage-jsonl"),
    ],
)
def test_a_first_record_longer_than_the_detection_head_is_judged_by_its_keys(tmp_path, first_line, fmt):
    """A JSONL file whose first line runs past the bytes read to detect the format: it was taken
    for an API document and every record skipped."""
    dump = tmp_path / "records.jsonl"
    dump.write_text(first_line + "\n" + '{"id": "0704.0002", "title": "U", "abstract": "B"}\n')
    opened = open_dump(dump)
    assert detect_format(opened.name, opened.head) == fmt


def test_a_long_first_record_on_stdin_is_judged_by_its_keys(monkeypatch):
    line = '{"id": "t1", "title": "T", "abstract": "' + "long " * 20_000 + '", "tags": {}}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(line.encode() * 2)))
    opened = open_dump("-")
    assert detect_format(opened.name, opened.head) == "triage-jsonl"


def test_a_pipe_is_copied_aside_not_held_in_memory():
    """`<(zcat dump.gz)`: a dump that can be read once is spooled to a temporary file piece by
    piece, so a large one costs disk, not memory, and reads back whole as often as needed."""
    line = b'{"id": "0704.0001", "title": "T", "abstract": "' + b"word " * 200 + b'"}\n'
    total = 20 * 1024 * 1024 // len(line) * len(line)
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for _ in range(total // len(line)):
                pipe.write(line)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    tracemalloc.start()
    try:
        dump = open_dump(f"/dev/fd/{read_end}")
        sizes = [sum(len(c) for c in dump.chunks()) for _ in range(2)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        feeder.join(timeout=10)
        os.close(read_end)
    assert sizes == [total, total]
    assert detect_format(dump.name, dump.head) == "arxiv-snapshot"
    assert peak < 8 * 1024 * 1024
