"""Hostile scraped text goes through every export format and the terminal tables inert.

Each output is parsed back (csv module, a small Markdown table parser, json, a BibTeX brace
check) rather than searched for substrings, so "safe" means the structure survived.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage import render
from triage.cli import State, cli
from triage.cli.library import Session
from triage.export.csvfile import COLUMNS
from triage.models import Paper, SourceRef
from triage.query import Filters
from triage.text import clean_text

ENV = {"TRIAGE_CONFIG": None, "TRIAGE_DB": None, "NO_COLOR": None, "TRIAGE_TODAY": "2025-05-08"}
NASTY = [
    "Pipes | in | the title\nand a newline <script>alert(1)</script> neural network pruning",
    '=HYPERLINK("http://evil.example","click") for neural network quantization',
    "@SUM(1+1) [red]x[/red] \x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c diffusion model",
    "-2+3 [bold]x[/bold] `tick` *star* _under_ # hash $x$ ~~del~~ transformer trailing \\",
    "+@misc{evil, title={x}} % not a comment } { \x9b31m\u2028 graph neural network",
]
ABSTRACT = "First | sentence =1+1. <img src=x onerror=alert(1)> [red]x[/red] \x1b[2J\nsecond line @SUM(A1)."


def hostile_dump(path: Path) -> Path:
    records = [
        {
            "id": f"h{i}",
            "title": title,
            "abstract": ABSTRACT,
            "published": "2025-05-0" + str(i + 1),
            "authors": ["=cmd|' /C calc'!A0", "Ann and Bob {Brace", "@SUM(A1)"] if i % 2 else [],
            "arxiv_id": f"2505.0000{i}" if i % 2 else None,
            "urls": ["javascript:alert(1)"],
            "source": {"file": "dump|<b>.txt", "format": "hf-page", "line": i + 1},
            "extra": {"githubRepo": "https://github.com/a/b)|[x](javascript:alert(1)"},
        }
        for i, title in enumerate(NASTY)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = CliRunner(env=ENV).invoke(cli, ["-q", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "hostile.db"
    invoke("ingest", "--db", str(db), "--input-format", "triage-jsonl", str(hostile_dump(tmp / "d.jsonl")))
    invoke("mark", "--db", str(db), "h1", "later", "--note", "=1+1 | <b>note</b>\n@x")
    return db


def export(db: Path, *args: str) -> str:
    return invoke("export", "--db", str(db), "--sort", "date", *args)


def norm(text: str) -> str:
    return " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028-\u202e]", " ", text).split())


def test_csv_parses_back_with_every_dangerous_cell_neutralised(hostile_db: Path) -> None:
    rows = list(csv.reader(io.StringIO(export(hostile_db, "--format", "csv"), newline="")))
    assert rows[0] == COLUMNS
    assert len(rows) == 1 + len(NASTY)
    assert all(len(row) == len(COLUMNS) for row in rows)
    for row in rows[1:]:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert not re.search(r"[\x1b\x9b\u202e]", cell)
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles["h1"] == "'" + NASTY[1]
    assert titles["h4"].startswith("'+@misc")
    note = next(row[COLUMNS.index("note")] for row in rows if row[0] == "h1")
    assert note == "'=1+1 | <b>note</b>\n@x"


def assert_links_are_web_links(out: str) -> None:
    """Every link target is an http(s) URL with nothing that could end it early."""
    targets = re.findall(r"\]\(([^)]*)\)", out)
    assert targets
    assert all(re.fullmatch(r"https?://[^\s()<>|\[\]]+", t) for t in targets), targets


def md_row(line: str) -> list[str]:
    """Cells of one GFM table row: split on pipes that no backslash escapes."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, cell, chars = [], "", iter(line[1:-1])
    for char in chars:
        if char == "\\":
            cell += char + next(chars, "")
        elif char == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*cells, cell.strip()]


def md_plain(cell: str) -> str:
    """The text a viewer shows for a cell: link target dropped, escapes and entities undone."""
    link = re.fullmatch(r"\[(.*)\]\((\S*)\)", cell)
    text = link.group(1) if link else cell
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def test_markdown_table_keeps_its_shape_and_shows_the_text(hostile_db: Path) -> None:
    out = export(hostile_db, "--format", "md")
    rows = [md_row(line) for line in out.splitlines() if line.startswith("|")]
    header, body = rows[0], rows[2:]
    assert len(body) == len(NASTY)
    assert all(len(row) == len(header) for row in rows)
    shown = sorted(md_plain(row[0]) for row in body)
    assert shown == sorted(norm(t) for t in NASTY)
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert_links_are_web_links(out)
    assert all(not line.startswith("#") or line.startswith("# triage export") for line in out.splitlines())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out)


def test_markdown_digest_has_one_entry_per_paper_and_tag_and_no_raw_html(hostile_db: Path) -> None:
    out = export(hostile_db, "--format", "md", "--group-by", "domain")
    headings = [line for line in out.splitlines() if line.startswith("#")]
    entries = [line for line in out.splitlines() if line.startswith("- **")]
    counts = [int(re.search(r"\((\d+)\)$", h).group(1)) for h in headings if h.startswith("## ")]
    assert sum(counts) == len(entries) >= len(NASTY)
    assert headings[0].startswith("# triage digest")
    assert "<script" not in out and "<img" not in out
    assert_links_are_web_links(out)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out)
    for line in out.splitlines():  # continuation lines stay inside their list item
        assert line == "" or line.startswith(("#", "- **", "  ", "5 papers")), line


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_keeps_the_exact_text_and_escapes_what_a_terminal_would_run(hostile_db: Path, fmt: str) -> None:
    out = export(hostile_db, "--format", fmt)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028]", out)
    records = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    # Ingest normalises scraped text like every parser does (control characters out, whitespace
    # collapsed); everything else, markup and formulas included, comes back to the character.
    assert sorted(r["title"] for r in records) == sorted(clean_text(t) for t in NASTY)
    assert {r["abstract"] for r in records} == {clean_text(ABSTRACT)}
    assert next(r for r in records if r["id"] == "h1")["note"] == "=1+1 | <b>note</b>\n@x"


def bib_entries(text: str) -> list[str]:
    """Entries from `@` to their closing brace; fails on unbalanced braces."""
    entries, depth, current = [], 0, ""
    for line in text.splitlines():
        if depth == 0:
            assert line == "" or line.startswith(("%", "@misc{")), line
            if line.startswith("%"):
                assert "@" not in line, line
                continue
        current += line + "\n"
        depth += len(re.findall(r"(?<!\\)\{", line)) - len(re.findall(r"(?<!\\)\}", line))
        assert depth >= 0, line
        if depth == 0 and current.strip():
            entries.append(current)
            current = ""
    assert depth == 0
    return entries


def test_bibtex_entries_balance_and_skips_are_plain_comments(hostile_db: Path) -> None:
    out = export(hostile_db, "--format", "bib")
    entries = bib_entries(out)
    assert len(entries) == 2  # h1 and h3 have authors; the rest are skipped
    assert out.count("% skipped:") == 3
    assert all(e.count("\n  title = ") == 1 for e in entries)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out)
    assert "{Ann and Bob \\{Brace}" in out  # an author holding `and` stays one author
    keys = re.findall(r"^@misc\{([^,]+),", out, re.M)
    assert len(set(keys)) == len(keys) and all(re.fullmatch(r"[a-z0-9-]+", k) for k in keys)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def assert_inert(out: str) -> None:
    """Only rich's own colour codes (SGR `ESC[...m`): nothing that clears, moves or retitles."""
    assert re.sub(r"\x1b\[[0-9;]*m", "", out).count("\x1b") == 0, repr(out)
    assert not re.search(r"[\x07\x9b\u202e\u2028]", out)
    assert "\x1b[31m" not in out  # [red] never became red


def hostile_rows(db: Path) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM papers ORDER BY id").fetchall()


def test_terminal_list_table_is_inert(hostile_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("NO_COLOR", raising=False)
    session = Session(State(None, True), str(hostile_db))
    filters = Filters()
    tty = Tty()
    render.paper_list(session.library.select(filters), filters, tty)
    out = tty.getvalue()
    assert_inert(out)
    assert "[red]x[/red]" in out and "[bold]x[/bold]" in out
    parts = session.ranker.breakdown(session.library.select(filters)[0].tagged, session.library.today)
    listed, sources, decisions = session.library.show("h1")
    tty = Tty()
    render.paper_detail(listed, parts, sources, decisions, tty)
    assert_inert(tty.getvalue())
    assert "<b>note</b>" in tty.getvalue()


def test_terminal_parse_table_is_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    papers = [
        Paper(id=f"h{i}", title=t, source=SourceRef(file="d", format="hf-page")) for i, t in enumerate(NASTY)
    ]
    tty = Tty()
    render.paper_table(papers, tty)
    assert_inert(tty.getvalue())
    assert "[red]x[/red]" in tty.getvalue()


@pytest.mark.parametrize("command", [["list"], ["show", "h2"], ["list", "--format", "table"]])
def test_piped_commands_print_no_escape_at_all(hostile_db: Path, command: list[str]) -> None:
    out = invoke(command[0], "--db", str(hostile_db), *command[1:])
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert "[red]x[/red]" in out
