"""The arXiv e-mail digest parser, on excerpts of real digests and the malformed fixture."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from triage.models import Paper
from triage.parse import email_digest
from triage.parse.records import ParseContext


def test_sections_new_cross_list_and_replacement(parse_fixture):
    papers, skipped = parse_fixture("arxiv-email-sections.txt")
    assert [(p.arxiv_id, p.extra["section"]) for p in papers] == [
        ("2601.11559", "new"),
        ("2601.11620", "new"),
        ("2601.11526", "cross-list"),
    ]
    # replacements carry no abstract: reported with their line, never invented
    assert [(s.source.line, s.reason) for s in skipped] == [
        (109, "replacement without abstract: arXiv:2401.13770"),
        (121, "replacement without abstract: arXiv:2305.14080"),
    ]


def test_header_fields_and_continuation_lines(parse_fixture):
    first, _second, cross = parse_fixture("arxiv-email-sections.txt")[0]
    assert first.title == (
        "MIMIC-RD: Can LLMs differentially diagnose rare diseases in real-world clinical settings?"
    )
    assert first.authors[0] == "Zilal Eiz AlDin"
    assert first.authors[-1] == "Jimeng Sun"  # `..., Adam Richard Cross and Jimeng Sun`
    assert len(first.authors) == 8
    assert first.published == dt.date(2025, 12, 18)
    assert first.extra["categories"] == ["cs.AI", "cs.CL", "cs.LG"]
    assert first.extra["comments"] == "5 pages"
    assert first.abstract.startswith("Despite rare diseases affecting 1 in 10 Americans")
    assert first.abstract.endswith("improving differential diagnosis of rare diseases.")
    assert first.urls == []  # the `\\ ( https://arxiv.org/abs/... )` trailer is not abstract text
    assert cross.extra["categories"] == ["cs.HC", "cs.AI"]
    assert cross.extra["comments"] == "Accepted to AAAI 2026 Demonstration Track"


def test_malformed_digest(parse_fixture):
    papers, skipped = parse_fixture("arxiv-email-malformed.txt")
    assert [p.title for p in papers] == [
        "A Valid Paper That Should Parse Correctly",
        "Paper Missing arXiv ID",
        "Paper With Truncated Abstract",
        "Valid Paper After Bad Entries",
    ]
    valid, missing_id, truncated, after = papers
    # no arXiv id: still a paper (title + abstract), keyed by its title
    assert missing_id.arxiv_id is None and missing_id.id.startswith("t")
    assert missing_id.source.line == 26
    # the abstract that never reached its closing `\\` is kept and flagged
    assert truncated.abstract == "This paper's abstract is intentionally cut short without"
    assert truncated.extra["truncated"] is True
    assert "truncated" not in valid.extra
    # the duplicate id is yielded once and reported
    assert [(s.source.line, s.reason) for s in skipped] == [
        (46, "duplicate of arXiv:2601.99001 (first at line 14)")
    ]
    assert after.extra == {
        "section": "new",
        "categories": ["cs.SE", "cs.AI"],
        "comments": "10 pages, submitted to ICSE 2026",
    }


def _endless_digest() -> Iterator[str]:
    for number in itertools.count(1):
        yield "-" * 78
        yield "\\\\"
        yield f"arXiv:2601.{number:05d}"
        yield f"Title: Paper {number}"
        yield "\\\\"
        yield "  An abstract long enough to be one."
        yield f"\\\\ ( https://arxiv.org/abs/2601.{number:05d} ,  1kb)"


def test_records_stream_without_reading_the_whole_digest():
    ctx = ParseContext("endless.txt", "arxiv-email", dt.date(2026, 1, 20), True)
    first = list(itertools.islice(email_digest.parse(_endless_digest(), ctx), 3))
    assert [p.title for p in first if isinstance(p, Paper)] == ["Paper 1", "Paper 2", "Paper 3"]
