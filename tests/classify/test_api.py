"""The library API promises: classify is a pure function of a Paper, and a classifier pickles
(Spark, Dask and Ray ship it to workers)."""

from __future__ import annotations

import pickle
from pathlib import Path

from triage.classify import load_classifier
from triage.models import Paper
from triage.parse import parse_file

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "hf-papers-sample.txt"


def test_a_pickled_classifier_tags_exactly_like_the_original() -> None:
    classifier = load_classifier()
    papers = [p for p in parse_file(SAMPLE) if isinstance(p, Paper)][:20]
    before = [classifier.classify(p).record() for p in papers]
    copy = pickle.loads(pickle.dumps(classifier))
    assert [copy.classify(p).record() for p in papers] == before


def test_classify_does_not_depend_on_what_came_before() -> None:
    classifier = load_classifier()
    papers = [p for p in parse_file(SAMPLE) if isinstance(p, Paper)][:30]
    forward = [classifier.classify(p).record() for p in papers]
    backward = [classifier.classify(p).record() for p in reversed(papers)]
    assert forward == list(reversed(backward))
