"""Triage decisions and notes survive re-ingests and `retag`, including after a rule changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from store_helpers import SAMPLE, count, ok, run, sample_pairs, write_papers

from triage.config import ConfigDirs


def first_pruning_paper(db: Path) -> dict:
    out = ok(run("list", "--db", db, "--tag", "pruning", "--format", "jsonl")).stdout
    return json.loads(out.splitlines()[0])


def test_a_decision_and_note_survive_reingest_of_a_changed_dump_and_retag(tmp_path: Path):
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, SAMPLE))
    paper = first_pruning_paper(db)
    ok(run("mark", "--db", db, paper["id"], "accept", "--note", "try on our ViT"))
    ok(run("mark", "--db", db, paper["id"], "later"))
    write_papers(tmp_path / "again.txt", [(t.upper(), a) for t, a in sample_pairs()])
    ok(run("ingest", "--db", db, tmp_path / "again.txt"))
    ok(run("retag", "--db", db))
    shown = ok(run("show", "--db", db, paper["id"])).stdout
    assert "status later" in shown and "note: try on our ViT" in shown
    assert "accepted" in shown and "later" in shown  # the decision history, both entries
    assert count(db, "SELECT COUNT(*) FROM decisions") == 2


def test_retag_after_editing_a_rule_reports_changes_and_keeps_decisions(tmp_path: Path):
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, SAMPLE))
    paper = first_pruning_paper(db)
    ok(run("mark", "--db", db, paper["id"], "accept", "--note", "keep me"))
    before = count(db, "SELECT COUNT(*) FROM tags WHERE tag = 'pruning'")
    config = tmp_path / "rules"
    config.mkdir()
    taxonomy = ConfigDirs().find("taxonomy.yaml").read_text()
    rule = "phrases: [prun*, "
    assert rule in taxonomy, "the pruning rule changed shape; update this test's edit"
    (config / "taxonomy.yaml").write_text(taxonomy.replace(rule, "phrases: [", 1))
    shutil.copy(ConfigDirs().find("ranking.yaml"), config / "ranking.yaml")
    result = ok(run("--config", config, "retag", "--db", db))
    assert "-method:pruning" in result.stdout
    assert count(db, "SELECT COUNT(*) FROM tags WHERE tag = 'pruning'") < before
    shown = ok(run("show", "--db", db, paper["id"])).stdout
    assert "status accepted" in shown and "note: keep me" in shown
    assert (
        count(db, "SELECT COUNT(*) FROM papers WHERE rules_version = (SELECT rules_version FROM runs)") == 0
    )


def test_mark_through_the_library_api_records_a_timestamped_decision(tmp_path: Path, library):
    lib = library(tmp_path / "api.db")
    from store_helpers import ingester

    ingester(lib).run([str(SAMPLE)], lambda _msg: None)
    paper_id, _title = lib.mark("Network Pruning via Transformable", "reject", "not for us")
    listed, _sources, decisions = lib.show(paper_id)
    assert listed.status == "rejected" and listed.note == "not for us"
    assert decisions[0]["decision"] == "rejected" and decisions[0]["at"]


def test_mark_and_retag_on_a_database_that_does_not_exist_create_nothing(tmp_path: Path):
    """A typo in --db left a new empty database behind, with "no paper matches" (mark) or
    "retagged 0 papers" (retag)."""
    typo = tmp_path / "tirage.db"
    for args in (["mark", "2405.1", "accept"], ["retag"]):
        result = ok(run(*args, "--db", typo), 1)
        assert f"{typo}: no such database" in result.stderr and "triage ingest" in result.stderr
    assert not any(tmp_path.glob("tirage.db*"))
