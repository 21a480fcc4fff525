"""`fallback_if`: a facet that would fall back takes a tag implied by another facet's fired tag."""

import datetime as dt
from pathlib import Path

from triage.classify import load_classifier
from triage.models import Paper
from triage.parse import parse_file
from triage.parse.records import ParseContext, make_paper

CTX = ParseContext(file="snippets", format="gold", reference=dt.date(2026, 1, 1), explicit_date=False)


def _paper(title: str, abstract: str) -> Paper:
    paper = make_paper(CTX, title, abstract)
    assert isinstance(paper, Paper), paper
    return paper


# Real abstract (tests/data/heldout2-papers.jsonl): LLMs are its subject, no domain words fire.
HELDOUT2 = Path(__file__).parent.parent / "data" / "heldout2-papers.jsonl"
LLM_RL = next(
    p
    for p in parse_file(HELDOUT2)
    if isinstance(p, Paper) and p.title.startswith("Distribution-Centric Policy")
)
GENERIC = _paper(
    "A Simple Learning Rate Schedule",
    "We propose a learning rate schedule. Our method trains faster on standard benchmarks.",
)


def test_an_llm_paper_with_no_area_is_language_with_the_llm_evidence_as_reason() -> None:
    classifier = load_classifier()
    tagged = classifier.classify(LLM_RL)
    assert tagged.tag_ids("domain") == ["language"]
    # Its language words stay below the threshold: without `fallback_if` it would be general-ml.
    assert all(
        t.score < classifier.thresholds[("domain", "language")] for t in tagged.near if t.id == "language"
    )
    (domain,) = [t for t in tagged.tags if t.facet == "domain"]
    assert domain.score == 0.0
    (reason,) = domain.evidence
    assert reason.rule == "domain:language/fallback_if:method:llm"
    llm = next(t for t in tagged.tags if t.key == "method:llm")
    assert (reason.text, reason.field, reason.offset) == (
        llm.evidence[0].text,
        llm.evidence[0].field,
        llm.evidence[0].offset,
    )


def test_without_the_implying_tag_the_fallback_stays() -> None:
    tagged = load_classifier().classify(GENERIC)
    assert tagged.tag_ids("domain") == ["general-ml"]
    assert "llm" not in tagged.tag_ids("method")
