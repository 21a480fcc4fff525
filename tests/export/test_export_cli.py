"""`triage export` as a user runs it: defaults, -o, --limit, --group-by and its errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from export_cases import ENV

from triage.cli import cli


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(cli, list(args))


def test_without_a_database_export_writes_every_sample_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the default location, still empty
    result = run("export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 122  # no default limit, unlike `list`
    assert "bundled sample" in result.stderr
    assert not (tmp_path / "triage").exists()


def test_a_named_database_that_does_not_exist_is_an_error_not_the_sample(tmp_path: Path) -> None:
    result = run("export", "--format", "jsonl", env={"TRIAGE_DB": str(tmp_path / "none.db")})
    assert result.exit_code == 1
    assert result.stdout == "" and "no such database" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_limit_and_the_format_from_the_output_suffix(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "top.csv"
    result = run("-q", "export", "--db", str(sample_db), "--limit", "5", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0][0] == "id" and len(rows) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["top.csv"]  # no temp file left


def test_failed_export_leaves_the_old_file(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "digest.md"
    out.write_text("yesterday")
    result = run("export", "--db", str(sample_db), "--format", "md", "--group-by", "colour", "-o", str(out))
    assert result.exit_code == 2
    assert "unknown facet 'colour'" in result.stderr and "domain" in result.stderr
    assert out.read_text() == "yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["digest.md"]


def test_group_by_needs_markdown(sample_db: Path) -> None:
    result = run("export", "--db", str(sample_db), "--format", "csv", "--group-by", "method")
    assert result.exit_code == 2
    assert "--format md" in result.stderr


def test_bad_today_is_a_usage_error(sample_db: Path) -> None:
    result = run("export", "--db", str(sample_db), env={"TRIAGE_TODAY": "yesterday"})
    assert result.exit_code == 2
    assert "TRIAGE_TODAY" in result.stderr


def test_fixed_today_sets_recency(sample_db: Path) -> None:
    def recency(today: str) -> float:
        out = run("-q", "export", "--db", str(sample_db), "--limit", "1", env={"TRIAGE_TODAY": today}).stdout
        parts = json.loads(out)["score_parts"]
        return next(p["points"] for p in parts if p["name"] == "recency")

    assert recency("2025-05-08") > recency("2025-09-08")


def test_list_takes_the_same_formats(sample_db: Path) -> None:
    result = run("-q", "list", "--db", str(sample_db), "--tag", "compression", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    accepted = [r for r in records if r["status"] == "accepted"]
    assert accepted and accepted[0]["decisions"][0]["note"] == "try on our ViT | =cheap"
    assert all(r["sources"][0]["path"] == "data/hf-papers-sample.txt" for r in records)


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_output_onto_the_database_is_refused_and_the_database_kept(
    sample_db: Path, tmp_path: Path, suffix: str
) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(sample_db.read_bytes())
    before = db.read_bytes()
    for command in ("export", "list"):
        result = run(command, "--db", str(db), "--format", "csv", "-o", f"{db}{suffix}")
        assert result.exit_code == 2, result.output
        assert "the database" in result.stderr and "choose another -o path" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.read_bytes() == before
    link = tmp_path / "link.db"
    link.symlink_to(db)
    result = run("export", "--db", str(db), "--format", "jsonl", "-o", str(link))
    assert result.exit_code == 2 and "this is the database" in result.stderr
    assert db.read_bytes() == before


def test_an_output_suffix_that_names_no_format_is_a_usage_error(sample_db: Path, tmp_path: Path) -> None:
    """`export -o papers.xlsx` wrote JSONL into a file a spreadsheet then could not open."""
    out = tmp_path / "papers.xlsx"
    result = run("export", "--db", str(sample_db), "-o", str(out))
    assert result.exit_code == 2
    assert "no format goes by '.xlsx'" in result.stderr and "add --format" in result.stderr
    assert not out.exists()
    assert run("-q", "export", "--db", str(sample_db), "--format", "csv", "-o", str(out)).exit_code == 0
    assert run("-q", "export", "--db", str(sample_db), "-o", str(tmp_path / "papers")).exit_code == 0


def test_ndjson_and_dated_names_still_write_jsonl(sample_db: Path, tmp_path: Path) -> None:
    """`.ndjson` is JSONL, and `digest.2024.06` is a name, not a format."""
    for name in ("all.ndjson", "digest.2024.06"):
        out = tmp_path / name
        assert run("-q", "export", "--db", str(sample_db), "-o", str(out)).exit_code == 0
        first = json.loads(out.read_text().splitlines()[0])
        assert first["id"] and first["tags"]
