"""The `triage` command as a user runs it: parse and classify, output files, stdin, and bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import Result

from cli_run import SAMPLE, SAMPLE_PAPERS, run_cli
from triage import __version__
from triage.output import open_output

GOLD = Path(__file__).resolve().parent / "data" / "gold-sample.jsonl"
ABSTRACT = (
    "We propose a compact method for sparse experts. Experiments on five benchmarks show that it "
    "beats strong baselines at a fraction of the cost."
)


def assert_clean_exit(result: Result, code: int) -> None:
    """The exit code a user sees, with no traceback and no exception escaping the command."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def stderr_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


# --- parse -------------------------------------------------------------------------------------


def test_parse_sample_gives_one_json_line_per_paper_and_a_summary_on_stderr():
    result = run_cli("parse", SAMPLE, "--format", "jsonl")
    assert_clean_exit(result, 0)
    records = jsonl(result.stdout)
    assert len(records) == SAMPLE_PAPERS
    assert records[0]["title"].startswith("Multi-Task Multi-Agent Shared Layers")
    assert records[-1]["title"].startswith("Training the Untrainable")
    assert all(r["abstract"] and r["source"]["format"] == "hf-page" for r in records)
    assert stderr_lines(result) == [f"{SAMPLE_PAPERS} papers, 0 skipped from {SAMPLE}"]


def test_parse_into_a_pipe_defaults_to_jsonl():
    result = run_cli("parse", SAMPLE)
    assert_clean_exit(result, 0)
    assert len(jsonl(result.stdout)) == SAMPLE_PAPERS


def test_quiet_drops_the_summary():
    result = run_cli("--quiet", "parse", SAMPLE, "--format", "jsonl")
    assert_clean_exit(result, 0)
    assert result.stderr == ""


def test_output_file_is_written_and_no_temp_file_is_left(tmp_path: Path):
    out = tmp_path / "papers.jsonl"
    result = run_cli("parse", SAMPLE, "--format", "jsonl", "-o", out)
    assert_clean_exit(result, 0)
    assert result.stdout == ""
    assert len(jsonl(out.read_text(encoding="utf-8"))) == SAMPLE_PAPERS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl"]


@pytest.mark.parametrize("command", ["parse", "classify"])
def test_output_onto_an_input_dump_is_refused_and_the_dump_kept(tmp_path: Path, command: str):
    dump = tmp_path / "dump.txt"
    shutil.copy(SAMPLE, dump)
    for given in (dump, tmp_path):  # the file itself, or the folder it is read from
        result = run_cli(command, given, "-o", dump)
        assert_clean_exit(result, 2)
        assert f"this is the input {dump}" in result.stderr and "choose another -o path" in result.stderr
    assert dump.read_bytes() == SAMPLE.read_bytes()


def test_a_pipe_is_parsed_whole():
    """`triage parse <(zcat dump.gz)`: a pipe can be read only once, so nothing may be lost to the
    look at its first bytes."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as handle:
            handle.write(SAMPLE.read_bytes())

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    result = run_cli("parse", f"/dev/fd/{read_end}", "--format", "jsonl")
    feeder.join(timeout=10)
    os.close(read_end)
    assert_clean_exit(result, 0)
    assert len(jsonl(result.stdout)) == SAMPLE_PAPERS


def test_output_file_replaces_an_existing_file_on_success(tmp_path: Path):
    out = tmp_path / "papers.jsonl"
    out.write_text("old content\n", encoding="utf-8")
    result = run_cli("parse", SAMPLE, "--format", "jsonl", "-o", out)
    assert_clean_exit(result, 0)
    assert "old content" not in out.read_text(encoding="utf-8")
    assert len(jsonl(out.read_text(encoding="utf-8"))) == SAMPLE_PAPERS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl"]


def test_output_writer_failing_midway_leaves_the_old_file_and_no_temp_file(tmp_path: Path):
    out = tmp_path / "digest.md"
    out.write_text("yesterday's digest\n", encoding="utf-8")
    with pytest.raises(RuntimeError), open_output(out) as handle:
        handle.write("half of today's dig")
        raise RuntimeError("disk full")
    assert out.read_text(encoding="utf-8") == "yesterday's digest\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.md"]


def test_failed_run_leaves_an_existing_output_file_alone(tmp_path: Path):
    out = tmp_path / "papers.jsonl"
    out.write_text('{"kept": true}\n', encoding="utf-8")
    result = run_cli("parse", tmp_path / "missing.txt", "--format", "jsonl", "-o", out)
    assert_clean_exit(result, 1)
    assert out.read_text(encoding="utf-8") == '{"kept": true}\n'


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_output_file_gets_the_usual_permissions(tmp_path: Path):
    out = tmp_path / "papers.jsonl"
    old_umask = os.umask(0o022)
    try:
        result = run_cli("parse", SAMPLE, "--format", "jsonl", "-o", out)
    finally:
        os.umask(old_umask)
    assert_clean_exit(result, 0)
    assert out.stat().st_mode & 0o777 == 0o644


def test_dash_reads_the_dump_from_stdin():
    result = run_cli("parse", "-", "--format", "jsonl", input=SAMPLE.read_bytes())
    assert_clean_exit(result, 0)
    assert len(jsonl(result.stdout)) == SAMPLE_PAPERS
    assert stderr_lines(result) == [f"{SAMPLE_PAPERS} papers, 0 skipped from <stdin>"]


def test_input_format_overrides_detection(tmp_path: Path):
    page = tmp_path / "saved-page.md"  # a .md name makes detection say markdown
    shutil.copy(SAMPLE, page)
    detected = run_cli("parse", page, "--format", "jsonl")
    assert jsonl(detected.stdout) == []
    forced = run_cli("parse", page, "--input-format", "hf-page", "--format", "jsonl")
    assert_clean_exit(forced, 0)
    records = jsonl(forced.stdout)
    assert len(records) == SAMPLE_PAPERS
    assert {r["source"]["format"] for r in records} == {"hf-page"}


def test_date_option_sets_the_year_of_date_lines():
    result = run_cli("parse", SAMPLE, "--date", "2025-05-09", "--format", "jsonl")
    assert_clean_exit(result, 0)
    assert {r["published"] for r in jsonl(result.stdout)} == {"2025-05-07"}


# --- bad input ---------------------------------------------------------------------------------


def test_binary_file_is_refused_in_one_line_naming_it(tmp_path: Path):
    binary = tmp_path / "papers.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = run_cli("parse", binary, "--format", "jsonl")
    assert_clean_exit(result, 1)
    assert result.stdout == ""
    refusals = [line for line in stderr_lines(result) if "not a text dump" in line]
    assert len(refusals) == 1
    assert str(binary) in refusals[0]


def test_refused_file_does_not_stop_the_other_dumps(tmp_path: Path):
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00" * 100)
    result = run_cli("parse", binary, SAMPLE, "--format", "jsonl")
    assert_clean_exit(result, 1)
    assert len(jsonl(result.stdout)) == SAMPLE_PAPERS
    assert "refused" in stderr_lines(result)[-1]


def test_missing_file_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "no-such-dump.txt"
    result = run_cli("parse", missing, "--format", "jsonl")
    assert_clean_exit(result, 1)
    assert result.stdout == ""
    assert any(str(missing) in line and "no such file" in line for line in stderr_lines(result))


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"new\n\nSubscribe\n\nMay 7\n"])
def test_empty_dump_warns_and_strict_makes_it_an_error(content, tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(content)
    result = run_cli("parse", empty, "--format", "jsonl")
    assert_clean_exit(result, 0)
    assert result.stdout == ""
    assert f"no papers found in {empty}" in result.stderr
    strict = run_cli("parse", "--strict", empty, "--format", "jsonl")
    assert_clean_exit(strict, 1)
    assert f"no papers found in {empty}" in strict.stderr


def test_skipped_record_is_reported_with_file_and_line_and_the_rest_lands(tmp_path: Path):
    dump = tmp_path / "cut.txt"
    dump.write_text(f"May 7\n\nGood Paper\n\n{ABSTRACT}\n\nA Title Cut Off At The End\n", encoding="utf-8")
    result = run_cli("parse", dump, "--format", "jsonl")
    assert_clean_exit(result, 0)
    assert [r["title"] for r in jsonl(result.stdout)] == ["Good Paper"]
    assert any(line.startswith(f"triage: warning: {dump}:7: skipped:") for line in stderr_lines(result))
    assert "1 papers, 1 skipped" in result.stderr
    assert_clean_exit(run_cli("parse", "--strict", dump, "--format", "jsonl"), 1)


@pytest.mark.parametrize(
    "args",
    [
        ["parse", str(SAMPLE), "--bogus"],
        ["--bogus", "parse", str(SAMPLE)],
        ["parse", str(SAMPLE), "--format", "xml"],
        ["parse", str(SAMPLE), "--input-format", "pdf"],
        ["parse", str(SAMPLE), "--date", "May 7"],
        ["parse"],
        ["frobnicate"],
    ],
    ids=[
        "unknown-option",
        "unknown-group-option",
        "bad-format",
        "bad-input-format",
        "bad-date",
        "no-files",
        "no-command",
    ],
)
def test_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert_clean_exit(result, 2)
    assert result.stdout == ""
    assert "Error:" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["rules", "check", str(SAMPLE), "--top", "-1"],
        ["eval", str(GOLD), "--worst", "-1"],
    ],
    ids=["top", "worst"],
)
def test_a_negative_count_is_a_usage_error(args):
    """--top -1 / --worst -1 listed all but the last one (a Python slice)."""
    result = run_cli(*args)
    assert_clean_exit(result, 2)
    assert "is not in the range x>=0" in result.stderr


def test_python_dash_m_triage_version():
    done = subprocess.run(
        [sys.executable, "-m", "triage", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"triage, version {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--limit", "100"],
        ["stats"],
        ["show", "kangaroo"],
        ["rules", "check", str(SAMPLE)],
        ["eval", str(GOLD), "--dump", str(SAMPLE)],
    ],
    ids=["list", "stats", "show", "rules-check", "eval"],
)
def test_a_reader_that_leaves_early_is_not_an_error(args, tmp_path: Path):
    """`triage show X | head -1` under `set -o pipefail`: every command exits 0, silently, when
    the reader of stdout closes it (those drawn by rich exited 1)."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_DB", "TRIAGE_CONFIG")}
    env["XDG_DATA_HOME"] = str(tmp_path)  # no database: the commands read the bundled sample
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "-q", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert stderr == ""


def _triage_with_closed(fd: int, *args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    """`triage ARGS` started with file descriptor `fd` closed (`<&-`, `>&-` or `2>&-` in a shell)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_DB", "TRIAGE_CONFIG")}
    env["XDG_DATA_HOME"] = str(home)
    keep = {
        0: {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE},
        1: {"stderr": subprocess.PIPE},
        2: {"stdout": subprocess.PIPE},
    }[fd]
    return subprocess.run(
        [sys.executable, "-m", "triage", *map(str, args)],
        env=env,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(fd),
        **keep,
    )


def test_a_closed_stdout_is_one_error_line_and_ingest_still_works(tmp_path: Path):
    """Started with stdout closed, Python leaves sys.stdout None: every command failed with a
    traceback (AttributeError); ingest, which writes nothing there, must just work."""
    listed = _triage_with_closed(1, "list", home=tmp_path)
    assert listed.returncode == 1
    assert listed.stderr.splitlines()[-1] == "triage: error: cannot write output: standard output is closed"
    assert "Traceback" not in listed.stderr
    ingested = _triage_with_closed(1, "-q", "ingest", "--db", tmp_path / "t.db", SAMPLE, home=tmp_path)
    assert ingested.returncode == 0 and ingested.stderr == ""


def test_a_closed_stdin_given_as_dash_is_refused_in_one_line(tmp_path: Path):
    result = _triage_with_closed(0, "parse", "-", home=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "<stdin>: standard input is closed" in result.stderr


def test_a_closed_stderr_loses_the_messages_not_the_work(tmp_path: Path):
    """Started with stderr closed, ingest stored nothing and exited 1 (its progress bar asked a
    missing stderr whether it was a terminal)."""
    db = tmp_path / "t.db"
    assert _triage_with_closed(2, "ingest", "--db", db, SAMPLE, home=tmp_path).returncode == 0
    listed = _triage_with_closed(2, "list", "--db", db, "--format", "jsonl", "--limit", "500", home=tmp_path)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == SAMPLE_PAPERS


def test_emoji_codes_in_messages_stay_text(tmp_path: Path):
    """rich turned `:b:` and `:fire:` in stderr messages into emoji: `--tag a:b:c` was reported
    as unknown tag 'a\U0001f171c', and a file or title could restyle a warning the same way."""
    result = run_cli("list", "--tag", "a:b:c", env={"XDG_DATA_HOME": str(tmp_path)})
    assert_clean_exit(result, 2)
    assert "unknown tag 'a:b:c'" in result.stderr
    result = run_cli("parse", tmp_path / ":fire:.txt")
    assert_clean_exit(result, 1)
    assert ":fire:.txt: no such file" in result.stderr


# --- classify ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classified() -> list[dict]:
    result = run_cli("classify", SAMPLE)
    assert_clean_exit(result, 0)
    assert stderr_lines(result) == [f"{SAMPLE_PAPERS} papers, 0 skipped from {SAMPLE}"]
    return jsonl(result.stdout)


def test_classify_gives_tagged_records_with_links_and_evidence(classified: list[dict]):
    assert len(classified) == SAMPLE_PAPERS
    for record in classified:
        assert {"title", "abstract", "tags", "code_url", "project_url", "evidence"} <= record.keys()
        assert {"domain", "kind", "code"} <= record["tags"].keys()
        assert set(record["tags"]) <= {"domain", "method", "kind", "code"}
        assert record["tags"]["domain"], record["title"]  # general-ml is the fallback
        assert record["tags"]["kind"], record["title"]  # method is the fallback
        assert len(record["tags"]["code"]) == 1, record["title"]
        assert record["tags"]["code"][0] in {"available", "promised", "project-page", "none"}
        for facet, ids in record["tags"].items():
            for tag in ids:
                assert f"{facet}:{tag}" in record["evidence"], (record["title"], facet, tag)


def test_every_record_has_every_facet_key(classified: list[dict]):
    missing = [r["title"] for r in classified if set(r["tags"]) != {"domain", "method", "kind", "code"}]
    assert missing == []


def test_classify_reads_code_links_and_names_the_words_that_fired(classified: list[dict]):
    cswin = next(r for r in classified if r["title"].startswith("CSWin Transformer"))
    assert cswin["code_url"] == "https://github.com/microsoft/CSWin-Transformer"
    assert cswin["tags"]["code"] == ["available"]
    assert "vision" in cswin["tags"]["domain"]
    evidence = cswin["evidence"]["domain:vision"]
    assert evidence and all(e["rule"].startswith("domain:vision/") and e["text"] for e in evidence)
    none_with_url = [r for r in classified if r["tags"]["code"] == ["none"] and r["code_url"]]
    assert none_with_url == []


def test_classify_csv_parses_back_with_the_csv_module():
    result = run_cli("classify", SAMPLE, "--format", "csv")
    assert_clean_exit(result, 0)
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == SAMPLE_PAPERS
    assert {"id", "title", "domain", "method", "kind", "code", "code_url"} <= set(header)
    assert all(len(row) == len(header) for row in body)
    by_title = {row[header.index("title")]: dict(zip(header, row, strict=True)) for row in body}
    cswin = next(v for k, v in by_title.items() if k.startswith("CSWin Transformer"))
    assert cswin["code"] == "available"
    assert cswin["code_url"] == "https://github.com/microsoft/CSWin-Transformer"


def test_classify_markdown_has_one_table_row_per_paper(tmp_path: Path):
    out = tmp_path / "today.md"
    result = run_cli("classify", SAMPLE, "--format", "md", "-o", out)
    assert_clean_exit(result, 0)
    lines = out.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) == 2 + SAMPLE_PAPERS  # header, separator, one per paper
    assert re.fullmatch(r"\|(-+\|)+", rows[1])
    columns = rows[0].count("|")
    for row in rows[2:]:
        assert len(re.findall(r"(?<!\\)\|", row)) == columns, row
    assert any("CSWin Transformer" in row and "github.com/microsoft/CSWin-Transformer" in row for row in rows)


def test_arguments_that_are_not_utf8_are_shown_not_a_traceback(tmp_path: Path):
    """`triage show $'caf\\xe9'` or a note typed in Latin-1: a UnicodeEncodeError traceback; the
    bad byte is now U+FFFD, in messages and in what is stored."""
    db = tmp_path / "t.db"
    assert_clean_exit(run_cli("-q", "ingest", "--db", db, SAMPLE), 0)

    def triage(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "triage", *args], capture_output=True, timeout=60)

    shown = triage("show", "--db", str(db), b"caf\xe9")
    assert shown.returncode == 2 and b"Traceback" not in shown.stderr
    assert "no paper matches 'caf\ufffd'" in shown.stderr.decode()
    paper_id = next(iter(jsonl(run_cli("list", "--db", db, "--format", "jsonl", "--limit", "1").stdout)))[
        "id"
    ]
    marked = triage("-q", "mark", "--db", str(db), paper_id, "later", "--note", b"caf\xe9 menu")
    assert marked.returncode == 0, marked.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT note FROM papers WHERE id = ?", (paper_id,)).fetchone() == (
            "caf\ufffd menu",
        )
