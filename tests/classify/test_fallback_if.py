"""`fallback_if`: a facet that would fall back takes a tag implied by another facet's fired tag."""

import datetime as dt
import textwrap
from pathlib import Path

from triage.classify import Classifier, load_classifier
from triage.classify.analysis import analyse
from triage.config import ConfigDirs
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
    (domain,) = [t for t in tagged.tags if t.facet == "domain"]
    # Its own language words fell short of the threshold: they stay as its score and evidence,
    # after the reason, and the tag is no longer among those that fell short.
    assert 0 < domain.score < classifier.thresholds[("domain", "language")]
    reason, *own = domain.evidence
    assert reason.rule == "domain:language/fallback_if:method:llm"
    assert own and all(e.rule.startswith("domain:language/") for e in own)
    assert not any(t.key == "domain:language" for t in tagged.near)
    llm = next(t for t in tagged.tags if t.key == "method:llm")
    first = llm.evidence[0]
    assert (reason.text, reason.field, reason.offset) == (first.text, first.field, first.offset)


def test_without_the_implying_tag_the_fallback_stays() -> None:
    tagged = load_classifier().classify(GENERIC)
    assert tagged.tag_ids("domain") == ["general-ml"]
    assert "llm" not in tagged.tag_ids("method")


def _user_classifier(tmp_path: Path, text: str) -> Classifier:
    (tmp_path / "taxonomy.yaml").write_text(textwrap.dedent(text))
    return load_classifier(ConfigDirs(tmp_path))


def test_a_facet_without_a_fallback_gets_the_implied_tag_when_nothing_fired(tmp_path: Path) -> None:
    classifier = _user_classifier(
        tmp_path,
        """\
        facets:
          domain:
            fallback: null
        """,
    )
    assert classifier.classify(LLM_RL).tag_ids("domain") == ["language"]
    assert classifier.classify(GENERIC).tag_ids("domain") == []


def test_a_user_config_that_empties_the_implying_tag_still_loads(tmp_path: Path) -> None:
    """A user who switches `method:llm` off (a tag with no rules) keeps a working config: the
    shipped `fallback_if: [method:llm]` then simply never applies."""
    classifier = _user_classifier(
        tmp_path,
        """\
        facets:
          method:
            tags:
              llm:
                description: switched off
        """,
    )
    tagged = classifier.classify(LLM_RL)
    assert "llm" not in tagged.tag_ids("method")
    assert tagged.tag_ids("domain") == ["general-ml"]


def test_rule_statistics_do_not_count_the_fallback_if_reason() -> None:
    classifier = load_classifier()
    stats = analyse([classifier.classify(LLM_RL)], classifier.taxonomy)
    assert not [rule for rule in stats.rule_hits if "fallback_if" in rule]
    assert stats.tag_counts["domain:language"] == 1
    # Its own language rules fell short of the threshold: they are hits, not what decided the tag.
    language = [rule for rule in stats.rule_hits if rule.startswith("domain:language/")]
    assert language and not any(stats.rule_decisive[rule] for rule in language)
