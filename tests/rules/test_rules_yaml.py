"""Rule cases in YAML: each case in tests/rules/*.yml is one pytest id.

A case gives a title and abstract (optionally `comments` and `urls`), the tags that must be
present (`expect`), the tags that must be absent (`reject`) and optionally the exact `code`.
The snippets are written for these tests, not copied from real papers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.classify import Classifier, load_classifier
from triage.models import Paper
from triage.parse.records import ParseContext, make_paper

HERE = Path(__file__).parent
FACETS = ("domain", "method", "kind", "code")
KEYS = {"id", "title", "abstract", "comments", "expect", "reject", "code", "note"}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(HERE.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append((f"{path.stem}/{case['id']}", case))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier()


def _paper(case: dict[str, Any]) -> Paper:
    ctx = ParseContext(file="rules.yml", format="gold", reference=dt.date(2026, 1, 1), explicit_date=False)
    extra = {"comments": case["comments"]} if case.get("comments") else None
    paper = make_paper(ctx, case["title"], case.get("abstract", ""), extra=extra)
    assert isinstance(paper, Paper), paper
    return paper


def test_case_ids_are_unique() -> None:
    ids = [name for name, _ in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_rule_case(classifier: Classifier, name: str, case: dict[str, Any]) -> None:
    unknown = set(case) - KEYS
    assert not unknown, f"{name}: unknown keys {sorted(unknown)}"
    tagged = classifier.classify(_paper(case))
    got = {facet: set(tagged.tag_ids(facet)) for facet in FACETS}

    def explain() -> str:
        lines = [f"{name}: got { ({f: sorted(v) for f, v in got.items()}) }"]
        for tag in [*tagged.tags, *tagged.near]:
            lines.append(
                f"  {tag.key} {tag.score}: "
                + "; ".join(f"{e.rule} {e.field}:{e.text!r}" for e in tag.evidence)
            )
        return "\n".join(lines)

    for facet, ids in (case.get("expect") or {}).items():
        assert facet in FACETS, f"{name}: unknown facet {facet}"
        missing = set(ids) - got[facet]
        assert not missing, f"missing {facet}:{sorted(missing)}\n{explain()}"
    for facet, ids in (case.get("reject") or {}).items():
        assert facet in FACETS, f"{name}: unknown facet {facet}"
        present = set(ids) & got[facet]
        assert not present, f"unexpected {facet}:{sorted(present)}\n{explain()}"
    if "code" in case:
        assert got["code"] == {case["code"]}, f"code {sorted(got['code'])} != {case['code']}\n{explain()}"
