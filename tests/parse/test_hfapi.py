"""The Hugging Face daily-papers API parser, on excerpts of real API dumps."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from parse_helpers import FIXTURES


def test_json_list_gives_one_paper_per_record_with_index(parse_fixture):
    papers, skipped = parse_fixture("hfapi-list.json")
    assert skipped == []
    assert [p.arxiv_id for p in papers] == ["2507.22968", "2507.23436", "2507.14793"]
    assert [p.source.index for p in papers] == [0, 1, 2]
    assert all(p.source.line is None and p.source.format == "hf-api" for p in papers)


def test_hard_wrapped_title_and_summary_are_joined(parse_fixture):
    first = parse_fixture("hfapi-list.json")[0][0]
    assert first.title == (
        "C3: A Bilingual Benchmark for Spoken Dialogue Models Exploring Challenges in Complex Conversations"
    )
    assert "\n" not in first.abstract
    assert first.abstract.startswith(
        "Spoken Dialogue Models (SDMs) have recently attracted significant attention for their"
    )


def test_authors_date_and_extra_fields(parse_fixture):
    first, second, _third = parse_fixture("hfapi-list.json")[0]
    assert first.authors == ["Chengqian Ma", "Wei Tao", "Yiwen Guo"]
    assert first.published == dt.date(2025, 7, 30)
    assert first.extra["githubRepo"] == "https://github.com/step-out/C3"
    assert first.extra["projectPage"] == "https://step-out.github.io/C3-web/"
    assert first.extra["githubStars"] == 12
    assert first.extra["upvotes"] == 13
    assert first.extra["numComments"] == 2
    assert "Spoken Dialogue Models" in first.extra["ai_keywords"]
    assert first.extra["ai_summary"]
    # githubRepo is absent (not null) when a paper has no code: nothing is invented
    assert "githubRepo" not in second.extra and "projectPage" not in second.extra


def test_python_repr_strings_are_read_safely(parse_fixture):
    papers, skipped = parse_fixture("hfapi-repr-list.json")
    assert skipped == []
    assert [p.arxiv_id for p in papers] == ["2412.19723", "2412.19638", "2412.20735"]
    assert papers[0].title == (
        "OS-Genesis: Automating GUI Agent Trajectory Construction via Reverse Task Synthesis"
    )
    assert papers[0].extra["upvotes"] == 47
    assert papers[1].extra["numComments"] == 3


def test_dict_wrapper_is_unwrapped(parse_fixture):
    papers, skipped = parse_fixture("hfapi-dict-wrapper.json")
    assert skipped == []
    assert [p.title for p in papers] == [
        "The GAN is dead; long live the GAN! A Modern GAN Baseline",
        "An Empirical Study of Autoregressive Pre-training from Videos",
    ]


def test_jsonl_records_carry_line_numbers(parse_fixture):
    papers, skipped = parse_fixture("hfapi-records.jsonl")
    assert skipped == []
    assert [(p.arxiv_id, p.source.line) for p in papers] == [("2507.22968", 1), ("2507.23436", 2)]


def test_malformed_json_is_one_skip_at_the_error_line(parse_fixture, tmp_path: Path):
    lines = (FIXTURES / "hfapi-list.json").read_text().splitlines()
    lines[9] = lines[9].rstrip(",")  # drop a comma inside the first record
    broken = tmp_path / "2025-08-01.json"
    broken.write_text("\n".join(lines))
    papers, skipped = parse_fixture(broken)
    assert papers == []
    assert len(skipped) == 1
    assert skipped[0].source.line == 11
    assert "invalid JSON" in skipped[0].reason


def test_a_bad_record_is_skipped_and_the_rest_parse(parse_fixture, tmp_path: Path):
    records = json.loads((FIXTURES / "hfapi-list.json").read_text())
    records.insert(1, "{'paper': not a literal}")
    records.insert(2, {"title": "no paper object"})
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(records))
    papers, skipped = parse_fixture(mixed)
    assert len(papers) == 3
    assert [(s.source.index, s.reason) for s in skipped] == [
        (1, "record is not a JSON object (nor a Python dict literal)"),
        (2, "record has no `paper` object"),
    ]
    # the message names the record, as a line number would: a JSON array has no useful line
    assert skipped[1].message() == f"{mixed}#2: skipped: record has no `paper` object"


def test_a_list_cut_short_keeps_its_complete_records_and_says_where_it_breaks(parse_fixture, tmp_path: Path):
    """A download cut off inside the third record: the two complete records before it are read, and
    one skip at the break says how many were read and what to do."""
    records = json.loads((FIXTURES / "hfapi-list.json").read_text())
    text = json.dumps(records, indent=1)
    third = text.index('"paper"', text.index('"paper"', text.index('"paper"') + 1) + 1)
    cut = tmp_path / "2025-08-01.json"
    cut.write_text(text[: third + 40])
    papers, skipped = parse_fixture(cut)
    assert [p.arxiv_id for p in papers] == [r["paper"]["id"] for r in records[:2]]
    assert [p.source.index for p in papers] == [0, 1]
    assert len(skipped) == 1
    assert skipped[0].source.line == text[: third + 40].count("\n") + 1
    assert "only its first 2 complete records were read; fetch the file again" in skipped[0].reason


def test_a_wrapped_list_cut_short_keeps_its_complete_records(parse_fixture, tmp_path: Path):
    records = json.loads((FIXTURES / "hfapi-list.json").read_text())
    text = json.dumps({"status": "ok", "date": "2025-01-10", "count": len(records), "data": records})
    cut = tmp_path / "2025-01-10.json"
    cut.write_text(text[: text.index('"paper"', text.index('"paper"') + 1) + 10])
    papers, skipped = parse_fixture(cut)
    assert len(papers) == 1 and len(skipped) == 1
    assert "only its first 1 complete records" in skipped[0].reason


def test_an_abstract_that_swallowed_its_file_is_skipped(parse_fixture, tmp_path: Path):
    """A record whose abstract runs to hundreds of thousands of characters (a lost separator) is
    reported, not classified for seconds with gigabytes of memory."""
    records = json.loads((FIXTURES / "hfapi-list.json").read_text())
    records[0]["paper"]["summary"] = "word " * 30_000
    big = tmp_path / "big.json"
    big.write_text(json.dumps(records))
    papers, skipped = parse_fixture(big)
    assert len(papers) == len(records) - 1
    assert [(s.source.index, s.reason.split(";")[0]) for s in skipped] == [
        (0, "abstract is 149,999 characters long")
    ]
