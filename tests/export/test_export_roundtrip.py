"""JSONL exports re-ingest: an empty database fed an export gives back the same papers, tags
and (once the Ingester restores them) decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from export_cases import ROOT, invoke

from triage.parse import ParseOptions, parse_file
from triage.parse.triage_jsonl import ExportedPaper

EVERY_STATUS = ["--status", "accepted", "--status", "rejected", "--status", "later", "--status", "untriaged"]
DECISION_KEYS = ("status", "note", "decisions")


def export_all(db: Path, path: Path) -> dict[str, dict[str, Any]]:
    invoke("-q", "export", "--db", str(db), *EVERY_STATUS, "--sort", "title", "-o", str(path))
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """(records exported from a database with decisions, records exported after re-ingesting them)."""
    tmp = tmp_path_factory.mktemp("roundtrip")
    first = tmp / "first.db"
    invoke(
        "-q", "ingest", "--db", str(first), "--date", "2025-05-07", str(ROOT / "data/hf-papers-sample.txt")
    )
    invoke(
        "-q", "mark", "--db", str(first), "Network Pruning via Transformable", "accept", "--note", "try it"
    )
    invoke("-q", "mark", "--db", str(first), "Pruning by Explaining", "later")
    invoke("-q", "mark", "--db", str(first), "Pruning by Explaining", "reject", "--note", "old | =idea")
    before = export_all(first, tmp / "export.jsonl")
    second = tmp / "second.db"
    invoke("-q", "ingest", "--db", str(second), str(tmp / "export.jsonl"))
    return before, export_all(second, tmp / "again.jsonl")


def without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def test_reingested_export_has_the_same_papers_tags_and_scores(
    round_trip: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    before, after = round_trip
    assert len(before) == 122
    assert before.keys() == after.keys()
    for paper_id, record in before.items():
        # first_seen is the re-ingest's own time; decisions are the next test's business
        assert without(after[paper_id], "first_seen", *DECISION_KEYS) == without(
            record, "first_seen", *DECISION_KEYS
        ), paper_id


def test_reingested_export_keeps_decisions_and_notes(
    round_trip: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    before, after = round_trip
    decided = {k: [v[key] for key in DECISION_KEYS] for k, v in before.items() if v["status"] != "untriaged"}
    assert len(decided) == 2
    assert {k: [after[k][key] for key in DECISION_KEYS] for k in decided} == decided


def test_parser_carries_the_decision_outside_the_paper_fields(tmp_path: Path) -> None:
    record = {
        "id": "x1",
        "title": "A paper",
        "source": {"file": "d.txt", "format": "hf-page", "line": 3},
        "status": "rejected",
        "note": "not for us",
        "decisions": [{"decision": "rejected", "note": "not for us", "at": "2025-05-08T06:00:00+00:00"}],
    }
    untriaged = {**record, "id": "x2", "status": "untriaged", "note": None, "decisions": []}
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(untriaged) + "\n")
    papers = list(parse_file(path, ParseOptions()))
    assert isinstance(papers[0], ExportedPaper) and papers[0].decision is not None
    assert (papers[0].decision.status, papers[0].decision.note) == ("rejected", "not for us")
    assert papers[0].decision.history[0].at == "2025-05-08T06:00:00+00:00"
    assert "decision" not in papers[0].model_dump()  # still exactly the Paper fields
    assert type(papers[1]).__name__ == "Paper"


def test_a_bad_status_skips_the_record_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(
        json.dumps({"id": "x", "title": "t", "source": {"file": "f", "format": "x"}, "status": "meh"})
    )
    (skipped,) = list(parse_file(path, ParseOptions()))
    assert "status" in skipped.reason  # type: ignore[union-attr]
