"""The arXiv metadata-snapshot parser, on the first lines of the real snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parse_helpers import FIXTURES

from triage.parse.arxiv_snapshot import split_authors


def test_every_line_is_a_paper_with_its_line_number(parse_fixture):
    papers, skipped = parse_fixture("arxiv-snapshot.jsonl")
    assert skipped == []
    assert [(p.arxiv_id, p.source.line) for p in papers] == [
        ("0704.0001", 1),
        ("0704.0002", 2),
        ("0704.0025", 3),
        ("0704.0062", 4),
    ]


def test_fields_are_joined_and_typed(parse_fixture):
    first = parse_fixture("arxiv-snapshot.jsonl")[0][0]
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert "\n" not in first.abstract
    assert first.published == dt.date(2007, 4, 2)  # versions[0].created, not update_date
    assert first.extra == {
        "doi": "10.1103/PhysRevD.76.013009",
        "journal-ref": "Phys.Rev.D76:013009,2007",
        "comments": "37 pages, 15 figures; published version",
        "categories": ["hep-ph"],
    }


def test_authors_come_from_authors_parsed_with_latex_decoded(parse_fixture):
    papers = parse_fixture("arxiv-snapshot.jsonl")[0]
    assert papers[0].authors[0] == "C. Balázs"  # the string field says `C. Bal\'azs`
    assert papers[2].authors == ["A. S. Mishchenko", "N. Nagaosa"]  # affiliations dropped
    assert papers[3].authors == ["Rastislav Šrámek", "Broňa Brejová", "Tomáš Vinař"]
    assert papers[1].extra["categories"] == ["math.CO", "cs.CG"]
    assert "doi" not in papers[1].extra  # null in the snapshot: left out


def test_author_string_fallback_drops_affiliations():
    assert split_authors("A. Mishchenko (1 and 2) and N. Nagaosa (1 and 3) ((1) CREST)") == [
        "A. Mishchenko",
        "N. Nagaosa",
    ]
    assert split_authors("Wei Ai, Yilong Tan,\n  and Keqin Li") == [
        "Wei Ai",
        "Yilong Tan",
        "Keqin Li",
    ]


def test_a_bad_line_is_skipped_with_its_number(parse_fixture, tmp_path: Path):
    lines = (FIXTURES / "arxiv-snapshot.jsonl").read_text().splitlines()
    lines[1] = lines[1][:200]  # a line cut short, as a killed download leaves it
    damaged = tmp_path / "snapshot.jsonl"
    damaged.write_text("\n".join(lines) + "\n")
    papers, skipped = parse_fixture(damaged)
    assert [p.arxiv_id for p in papers] == ["0704.0001", "0704.0025", "0704.0062"]
    assert [(s.source.line, s.reason.split(" (")[0]) for s in skipped] == [(2, "invalid JSON line")]
