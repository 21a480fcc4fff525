"""Learning a facet's weights (triage.classify.model) from labelled papers, with scikit-learn.

One logistic regression per tag of the facet (it is there or not), over the paper's words as
tf-idf and every tag's rule score. A first fit over all words picks the `words` with the largest
weights for any tag; the weights are then learned again over those words alone, so the file
stays small and every word in it counts. scikit-learn is needed only here, to learn: reading the
weights back (triage.classify.model) is plain Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from triage.classify.model import (
    SCORE_CAP,
    SCORE_SCALE,
    THRESHOLD,
    TITLE_REPEAT,
    WORD,
    FacetModel,
    TagWeights,
    rule_scores,
)
from triage.errors import InputError
from triage.models import TaggedPaper

STRENGTH = 16.0  # scikit-learn's C: the inverse of the regularisation strength


@dataclass
class Example:
    tagged: TaggedPaper  # classified by the rules alone
    tags: set[str]  # the gold tags of the facet


def learn(
    examples: Sequence[Example], facet: str, tags: Sequence[str], words: int, sources: Sequence[str]
) -> FacetModel:
    """Weights for `tags` (those of the facet that the examples have, each on at least two papers
    and missing from at least two)."""
    try:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise InputError(
            "learning weights needs scikit-learn: pip install 'paper-triage[learn]' (or scikit-learn)"
        ) from exc
    learnable = [t for t in tags if 2 <= sum(t in e.tags for e in examples) <= len(examples) - 2]
    if not learnable:
        raise InputError(
            f"no tag of facet {facet!r} is on at least two labelled papers and missing from two others "
            f"({len(examples)} papers label the facet)"
        )
    texts = [_text(e.tagged) for e in examples]
    inputs = [rule_scores((*e.tagged.tags, *e.tagged.near)) for e in examples]
    keys = sorted({k for scores in inputs for k in scores})
    scores = csr_matrix(
        np.array([[min(s.get(k, 0.0), SCORE_CAP) / SCORE_SCALE for k in keys] for s in inputs]).reshape(
            len(examples), len(keys)
        )
    )
    targets = {t: np.array([t in e.tags for e in examples]) for t in learnable}

    def vectorizer(vocabulary: list[str] | None) -> Any:
        return TfidfVectorizer(
            token_pattern=WORD.pattern,
            sublinear_tf=True,
            min_df=1 if vocabulary else 2,
            vocabulary=vocabulary,
        )

    def fit(x: Any) -> dict[str, Any]:
        return {t: LogisticRegression(C=STRENGTH, max_iter=5000).fit(x, y) for t, y in targets.items()}

    too_few = InputError(
        f"the {len(examples)} labelled papers share no word that tells their tags apart (a word must "
        "be in two papers at least); label more papers"
    )
    first = vectorizer(None)
    try:
        counts = first.fit_transform(texts)
    except ValueError as exc:  # "After pruning, no terms remain"
        raise too_few from exc
    names = first.get_feature_names_out()
    fitted = fit(hstack([counts, scores]).tocsr())
    strength = np.max([np.abs(m.coef_[0][: len(names)]) for m in fitted.values()], axis=0)
    order = sorted(range(len(names)), key=lambda i: (-strength[i], names[i]))
    vocabulary = sorted(str(names[i]) for i in order[:words] if strength[i] > 0)
    if not vocabulary:
        raise too_few
    final = vectorizer(vocabulary)
    values = final.fit_transform(texts)
    fitted = fit(hstack([values, scores]).tocsr())
    idf = {word: round(float(v), 4) for word, v in zip(vocabulary, final.idf_, strict=True)}
    weights = {}
    for tag, m in fitted.items():
        coef = m.coef_[0]
        weights[tag] = TagWeights(
            bias=round(float(m.intercept_[0]), 4),
            words={
                w: round(float(c), 4)
                for w, c in zip(vocabulary, coef[: len(vocabulary)], strict=True)
                if round(float(c), 4)
            },
            scores={
                k: round(float(c), 4)
                for k, c in zip(keys, coef[len(vocabulary) :], strict=True)
                if round(float(c), 4)
            },
        )
    return FacetModel(
        facet=facet,
        threshold=THRESHOLD,
        title_repeat=TITLE_REPEAT,
        score_cap=SCORE_CAP,
        score_scale=SCORE_SCALE,
        idf=idf,
        tags=weights,
        trained_on=list(sources),
        papers=len(examples),
    )


def dump_model(model: FacetModel) -> str:
    """The model as YAML, with a header saying what it is and how to use it."""
    header = (
        f"# Learned weights for facet `{model.facet}`, written by `triage rules learn` from "
        f"{model.papers} labelled papers.\n"
        f"# Name this file under the facet in taxonomy.yaml (`model: FILE`) to let it decide the "
        "facet's tags;\n# triage.classify.model says how the weights are read.\n"
    )
    data = model.model_dump()
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def _text(tagged: TaggedPaper) -> str:
    """The text the vectorizer reads: the title `TITLE_REPEAT` times, then the abstract (what
    Model.values counts)."""
    return " ".join([tagged.paper.title] * TITLE_REPEAT + [tagged.paper.abstract])
