"""`triage eval`: figures per facet and tag, the worst mistakes, and what a rule change changed."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from cli_run import SAMPLE, run_cli, run_main

DATA = Path(__file__).resolve().parent / "data"
GOLD = DATA / "gold-sample.jsonl"
# A user rule set that drops the shipped `fallback_if`, so LLM papers with no area fall back.
NO_FALLBACK_IF = """\
facets:
  domain:
    tags:
      language:
        description: Text and NLP tasks.
        rules:
          - id: nlp
            weight: 1.5
            phrases: [machine translation, question answering]
"""


def test_text_report_has_facets_tags_and_mistakes() -> None:
    result = run_cli("eval", GOLD, "--dump", SAMPLE, "--worst", "3")
    assert result.exit_code == 0, result.output
    assert "122 papers" in result.stdout
    for facet in ("domain", "method", "kind", "code"):
        assert facet in result.stdout
    assert "worst false positives" in result.stdout and "worst false negatives" in result.stdout


def test_json_report_matches_every_gold_paper() -> None:
    result = run_cli("eval", GOLD, "--dump", SAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["papers"] == 122 and data["unmatched"] == []
    assert set(data["facets"]) == {"domain", "method", "kind", "code"}
    assert "baseline" not in data


def test_baseline_shows_each_change_and_its_effect(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "taxonomy.yaml").write_text(textwrap.dedent(NO_FALLBACK_IF), encoding="utf-8")
    result = run_cli(
        "--config", mine, "eval", GOLD, "--dump", SAMPLE, "--format", "json", "--baseline", "shipped"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    changes = data["changes"]
    assert changes, "replacing the language tag changed nothing"
    assert {c["facet"] for c in changes} == {"domain"}
    for c in changes:
        expected = set(c["gold"])
        wrong_before = len(set(c["before"]) ^ expected)
        assert c["delta"] == len(set(c["after"]) ^ expected) - wrong_before
        assert c["before"] != c["after"]
    # The two reports are those of the two rule sets.
    shipped = json.loads(run_cli("eval", GOLD, "--dump", SAMPLE, "--format", "json").stdout)
    assert data["baseline"]["facets"] == shipped["facets"]
    assert data["facets"]["domain"] != shipped["facets"]["domain"]
    text = run_cli("--config", mine, "eval", GOLD, "--dump", SAMPLE, "--baseline", "shipped").stdout
    assert "against the baseline rules" in text
    assert "worse (" in text or "better (" in text


def test_baseline_folder_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    result = run_main("eval", GOLD, "--dump", SAMPLE, "--baseline", tmp_path / "nowhere")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nowhere" in lines[0] and "Traceback" not in result.stderr


def test_gold_tags_the_rules_cannot_produce_are_warned_about(tmp_path: Path) -> None:
    """A misspelt gold tag counted as a silent false negative; an unknown facet was dropped."""
    gold = tmp_path / "gold.jsonl"
    line = {"title": "A paper", "abstract": "We propose a pruning method for networks."}
    gold.write_text(
        json.dumps({**line, "tags": {"domain": ["visoin"], "method": ["pruning"], "code": ["none"]}})
        + "\n"
        + json.dumps({**line, "title": "Another paper", "tags": {"domian": ["vision"]}})
        + "\n"
    )
    result = run_main("eval", gold)
    assert result.exit_code == 0
    assert f"{gold}:1: domain:visoin is not in the taxonomy (counted as a miss)" in result.stderr
    assert f"{gold}:2: facet 'domian' is not in the taxonomy (not scored)" in result.stderr
    assert "pruning" not in result.stderr and "none" not in result.stderr


def test_an_empty_gold_file_is_warned_about(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n")
    result = run_main("eval", gold)
    assert result.exit_code == 0 and f"{gold}: no gold papers" in result.stderr
