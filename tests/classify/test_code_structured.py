"""Structured links from the daily-papers API: `githubRepo` wins; a `projectPage` that is a
repository (a Hugging Face dataset, a GitHub repo) counts as code; another page is a page."""

import datetime as dt

import pytest

from triage.classify import load_classifier
from triage.models import Paper
from triage.parse.records import ParseContext, make_paper

CTX = ParseContext(file="api.json", format="hf-api", reference=dt.date(2026, 1, 1), explicit_date=False)


def _paper(extra: dict[str, object]) -> Paper:
    paper = make_paper(
        CTX, "Any-Modality Motion Generation", "We generate human motion from any modality.", extra=extra
    )
    assert isinstance(paper, Paper), paper
    return paper


@pytest.mark.parametrize(
    ("extra", "status", "code_url", "project_url", "rule"),
    [
        (
            {"projectPage": "https://huggingface.co/datasets/someone/motions"},
            "available",
            "https://huggingface.co/datasets/someone/motions",
            None,
            "code:structured/projectPage",
        ),
        (
            {"projectPage": "https://someone.github.io/anymo/"},
            "project-page",
            None,
            "https://someone.github.io/anymo/",
            None,
        ),
        (
            {
                "githubRepo": "https://github.com/someone/anymo",
                "projectPage": "https://someone.github.io/anymo/",
            },
            "available",
            "https://github.com/someone/anymo",
            "https://someone.github.io/anymo/",
            "code:structured/githubRepo",
        ),
    ],
)
def test_structured_links(extra, status, code_url, project_url, rule) -> None:
    tagged = load_classifier().classify(_paper(extra))
    (code,) = [t for t in tagged.tags if t.facet == "code"]
    assert (code.id, tagged.code_url, tagged.project_url) == (status, code_url, project_url)
    if rule:
        assert code.evidence[0].rule == rule


def test_a_repository_linked_in_the_text_wins_over_a_repository_project_page() -> None:
    paper = make_paper(
        CTX,
        "Any-Modality Motion Generation",
        "We generate human motion from any modality. Code: https://github.com/someone/anymo",
        extra={"projectPage": "https://huggingface.co/datasets/someone/motions"},
    )
    assert isinstance(paper, Paper)
    tagged = load_classifier().classify(paper)
    assert tagged.tag_ids("code") == ["available"]
    assert tagged.code_url == "https://github.com/someone/anymo"
    assert tagged.project_url == "https://huggingface.co/datasets/someone/motions"
