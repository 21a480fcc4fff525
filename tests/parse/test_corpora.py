"""Every real dump in the shared corpora, parsed end to end (slow; skipped without them)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from parse_helpers import split

from triage.parse import parse_file

# The corpora sit beside the checkout (`../shared/corpora`); TRIAGE_CORPORA points elsewhere.
CORPORA = Path(os.environ.get("TRIAGE_CORPORA") or Path(__file__).resolve().parents[3] / "shared" / "corpora")

# Papers and skips per file, counted by reading the files (see the notes beside each).
EXPECTED: dict[str, tuple[int, int]] = {
    # 1141 records: 345 new + 362 cross-lists with abstracts, 434 replacements without
    "arxiv-email-digest/arxiv_digest_2026-01-20_cs.AI-LG-SE.txt": (707, 434),
    "arxiv-email-digest/fixture_2026-01-23.txt": (5, 0),
    # 5 records: missing id and truncated abstract kept, the duplicate reported
    "arxiv-email-digest/fixture_malformed.txt": (4, 1),
    "arxiv-metadata-snapshot/arxiv-metadata-oai-snapshot_first200.jsonl": (200, 0),
    # 9 `###` cards; the last abstract is cut by the capture and kept (flagged truncated)
    "hf-page-markdown/firecrawl-daily-papers.md": (9, 0),
    # 23 `###` cards: 11 rendered twice in a row, the last once
    "hf-page-markdown/trending-duplicated-entries.md": (12, 0),
}
HF_API_PAPERS = {
    "2024-05-27": 13, "2024-06-03": 6, "2024-07-01": 10, "2024-08-01": 11, "2024-09-02": 15,
    "2024-10-01": 11, "2024-11-01": 13, "2024-12-02": 15, "2024-12-11": 26, "2025-01-02": 3,
    "2025-01-10": 9, "2025-02-03": 4, "2025-03-03": 7, "2025-04-01": 16, "2025-05-01": 10,
    "2025-07-01": 14, "2025-08-01": 14, "2025-09-01": 13, "2025-10-01": 37, "2025-11-03": 15,
    "2025-12-01": 23, "2026-01-01": 15, "2026-02-02": 27, "2026-03-02": 14, "2026-04-01": 23,
    "2026-05-01": 16, "2026-06-01": 49, "2026-06-30": 34, "2026-07-01": 23, "2026-08-03": 22,
}  # fmt: skip
EXPECTED |= {f"hf-daily-papers-api/{day}.json": (n, 0) for day, n in HF_API_PAPERS.items()}


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not present")
def test_every_corpus_file_parses_to_the_counted_papers():
    files = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.name != "README.md")
    counts = {}
    for path in files:
        papers, skipped = split(list(parse_file(path)))
        counts[str(path.relative_to(CORPORA))] = (len(papers), len(skipped))
    assert counts == EXPECTED


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not present")
def test_big_digest_sections_and_skip_reasons():
    papers, skipped = split(
        list(parse_file(CORPORA / "arxiv-email-digest/arxiv_digest_2026-01-20_cs.AI-LG-SE.txt"))
    )
    assert Counter(p.extra["section"] for p in papers) == {"new": 345, "cross-list": 362}
    assert all(s.reason.startswith("replacement without abstract: arXiv:") for s in skipped)
    assert len({p.id for p in papers}) == 707
