"""triage's own JSONL: exports read back as the very Paper records that were written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from parse_helpers import FIXTURES

from triage.cli import cli

ROUND_TRIP_FIXTURES = [
    "hfapi-list.json",
    "hfapi-repr-list.json",
    "arxiv-snapshot.jsonl",
    "arxiv-email-malformed.txt",
    "md-firecrawl-2026-10-02.md",
    "md-trending-duplicated.md",
]


@pytest.mark.parametrize("name", ROUND_TRIP_FIXTURES)
def test_parse_output_parses_back_to_identical_papers(name, parse_fixture, tmp_path: Path):
    exported = tmp_path / "papers.jsonl"
    result = CliRunner().invoke(
        cli, ["parse", str(FIXTURES / name), "--format", "jsonl", "-o", str(exported)]
    )
    assert result.exit_code == 0, result.output
    original, _ = parse_fixture(name)
    again, skipped = parse_fixture(exported)
    assert skipped == []
    assert original  # the comparison below must compare something
    # every field, `source` included: an export still names the dump each paper came from
    assert [p.model_dump() for p in again] == [p.model_dump() for p in original]
    assert again[0].source.file == str(FIXTURES / name)


def test_keys_added_by_later_commands_are_ignored(parse_fixture):
    papers, skipped = parse_fixture("triage-export-with-tags.jsonl")
    assert skipped == []
    assert [p.id for p in papers] == ["2507.22968", "2507.23436", "2601.99001", "t8bcf0851d0ce"]
    assert papers[0].extra["githubRepo"] == "https://github.com/step-out/C3"
    assert not hasattr(papers[0], "tags")
    assert papers[3].arxiv_id is None


def test_bad_lines_are_skipped_with_their_numbers(parse_fixture, tmp_path: Path):
    lines = (FIXTURES / "triage-export-with-tags.jsonl").read_text().splitlines()
    record = json.loads(lines[1])
    record["published"] = "not a date"
    lines[1] = json.dumps(record)
    lines.insert(2, '{"id": "x", "title": "cut sh')
    damaged = tmp_path / "export.jsonl"
    damaged.write_text("\n".join(lines) + "\n")
    papers, skipped = parse_fixture(damaged, input_format="triage-jsonl")
    assert len(papers) == 3
    assert [s.source.line for s in skipped] == [2, 3]
    assert skipped[0].reason.startswith("not a triage record: published:")
    assert skipped[1].reason.startswith("invalid JSON line")


def test_a_hand_written_line_without_source_gets_this_file_and_line(parse_fixture, tmp_path):
    handmade = tmp_path / "mine.jsonl"
    handmade.write_text('{"id": "t1", "title": "My own paper", "tags": []}\n')
    (paper,), _ = parse_fixture(handmade)
    assert (paper.title, paper.source.file, paper.source.line) == ("My own paper", str(handmade), 1)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_line_with_an_empty_id_is_skipped_not_stored_unreachable(blank, parse_fixture, tmp_path):
    """A hand-edited export with `"id": ""` became a paper no `show` or `mark` could name."""
    handmade = tmp_path / "mine.jsonl"
    handmade.write_text(
        json.dumps({"id": blank, "title": "My own paper", "tags": []})
        + "\n"
        + json.dumps({"id": "t2", "title": "Another paper", "tags": []})
        + "\n"
    )
    papers, skipped = parse_fixture(handmade)
    assert [p.id for p in papers] == ["t2"]
    assert [(s.source.line, s.reason) for s in skipped] == [(1, "not a triage record: id: empty")]


def test_an_export_array_cut_short_keeps_its_complete_records(parse_fixture, tmp_path: Path):
    """`export --format json` written to a disk that filled up: the complete papers are read, and
    one skip at the break says how many and what to do."""
    lines = (FIXTURES / "triage-export-with-tags.jsonl").read_text().splitlines()
    text = "[\n" + ",\n".join(lines) + "\n]\n"
    cut = tmp_path / "export.json"
    cut.write_text(text[: text.index(lines[2]) + 30])
    papers, skipped = parse_fixture(cut, input_format="triage-jsonl")
    assert [p.id for p in papers] == ["2507.22968", "2507.23436"]
    assert len(skipped) == 1 and skipped[0].source.line == 4
    assert "the array breaks off there, so only its first 2 complete records were read" in skipped[0].reason


def test_an_escaped_emoji_is_kept_and_only_a_lone_half_is_replaced(parse_fixture, tmp_path: Path):
    """`\\ud83d\\ude00` is how json.dump writes every emoji: it stays; a lone half becomes U+FFFD."""
    dump = tmp_path / "mine.jsonl"
    dump.write_text(
        '{"id": "t1", "title": "Fast \\ud83d\\ude80 models", "abstract": "cut \\ud83d here", "tags": []}\n'
    )
    (paper,), skipped = parse_fixture(dump)
    assert skipped == []
    assert (paper.title, paper.abstract) == ("Fast \U0001f680 models", "cut \ufffd here")
