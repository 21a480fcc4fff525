"""Tagging papers with explainable rules from YAML: domain, method, kind and code availability.

`load_classifier` compiles the effective taxonomy once; `Classifier.classify(paper)` is then a
pure function of one Paper, safe to map over partitions in a distributed engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from triage.classify.engine import Classifier
from triage.classify.rules import Taxonomy, load_taxonomy
from triage.config import ConfigDirs
from triage.models import Paper, TaggedPaper

__all__ = ["Classifier", "Taxonomy", "classify", "load_classifier", "load_taxonomy"]


def load_classifier(dirs: ConfigDirs | None = None) -> Classifier:
    """The classifier for the shipped rules, overlaid by the user's config folder if given."""
    dirs = dirs or ConfigDirs()
    taxonomy = load_taxonomy(dirs)
    models = {facet: _model_file(dirs, fdef.model) for facet, fdef in taxonomy.facets.items() if fdef.model}
    return Classifier.from_taxonomy(taxonomy, models)


def _model_file(dirs: ConfigDirs, name: str) -> Path:
    """The user's file of that name, else the shipped one; when neither is there, the user's
    (the error on reading it then names the folder the user wrote the taxonomy in)."""
    found = dirs.find(name)
    return dirs.user / name if dirs.user is not None and not found.is_file() else found


def classify(papers: Iterable[Paper], classifier: Classifier | None = None) -> Iterator[TaggedPaper]:
    """Tag each paper; compiles the default rules once when no classifier is given."""
    engine = classifier or load_classifier()
    for paper in papers:
        yield engine.classify(paper)
