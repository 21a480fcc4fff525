"""Learned weights for one facet: a linear model over a paper's words and the rules' tag scores.

A facet with `model: FILE` in `taxonomy.yaml` has its tags decided by the weights in FILE (YAML,
written by `triage rules learn` from labelled papers) instead of by its rules' thresholds. The
rules still run first: every tag's rule score is one of the model's inputs, beside the paper's
words. Per tag of the facet:

    z = bias + sum(word weight x word value) + sum(score weight x min(rule score, cap) / scale)
    p = 1 / (1 + exp(-z))

Tags of the facet that the file has no weights for keep their rules' decision, and the facet's
`suppresses`, `multiple: false` and fallback still apply (Classifier._apply_models).

A word's value is its tf-idf in the title (counted `title_repeat` times) and abstract:
(1 + ln count) x idf, the vector over the file's words scaled to length 1; words are lower-cased
runs of two or more letters or digits, one a letter at least
(`3d` and `llms`, not `2024`). A tag fires when p reaches `threshold`; a facet with a
fallback takes its most probable tag when none does. Each fired tag's evidence names p and the
words and rule scores that added most to z.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter, mul
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator

from triage.classify.matcher import is_word
from triage.config import StrictModel, read_yaml, validate
from triage.errors import ConfigError
from triage.models import Evidence, Tag

if TYPE_CHECKING:
    from triage.classify.rules import Taxonomy

WORD = re.compile(r"\b(?=\w*[^\W\d_])\w\w+\b")  # 2+ letters or digits, one a letter at least
_RUN = re.compile(r"\w+")
_SPACES = str.maketrans({chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")})
MODEL_RULE = "model"  # the rule name in a model's evidence: `kind:benchmark/model`
SHOWN = 5  # inputs shown as evidence per fired tag, most weight first


class TagWeights(StrictModel):
    bias: float
    words: dict[str, float] = {}
    scores: dict[str, float] = {}  # facet:tag -> weight of that tag's rule score


# Settings `triage rules learn` writes (and a file that leaves them out gets).
THRESHOLD = 0.5
TITLE_REPEAT = 2
SCORE_CAP = 10.0
SCORE_SCALE = 5.0


class FacetModel(StrictModel):
    facet: str
    threshold: float = Field(default=THRESHOLD, gt=0.0, lt=1.0)
    title_repeat: int = Field(default=TITLE_REPEAT, ge=0, le=10)
    score_cap: float = Field(default=SCORE_CAP, gt=0.0)
    score_scale: float = Field(default=SCORE_SCALE, gt=0.0)
    idf: dict[str, float]
    tags: dict[str, TagWeights]
    trained_on: list[str] = []  # what the weights were learned from, for the reader
    papers: int = 0

    @field_validator("idf")
    @classmethod
    def _words(cls, idf: dict[str, float]) -> dict[str, float]:
        for word, value in idf.items():
            if not WORD.fullmatch(word) or word != word.lower():
                raise ValueError(
                    f"{word!r} is not a word as the model reads them (lower case, 2+ characters)"
                )
            if value <= 0:
                raise ValueError(f"idf of {word!r} must be above 0")
        return idf

    @model_validator(mode="after")
    def _known_words(self) -> FacetModel:
        for tag, weights in self.tags.items():
            unknown = sorted(set(weights.words) - set(self.idf))
            if unknown:
                raise ValueError(f"tag {tag!r}: word {unknown[0]!r} has weights but no idf")
            for key in weights.scores:
                if key.count(":") != 1:
                    raise ValueError(f"tag {tag!r}: score input {key!r} is not facet:tag")
        return self


@dataclass(frozen=True, slots=True)
class Decision:
    tag: str
    probability: float
    evidence: list[Evidence]


class Model:
    """A facet model read once; `decide` is a pure function of a paper's text and rule scores."""

    def __init__(self, spec: FacetModel) -> None:
        self.spec = spec
        self._tags = list(spec.tags)
        self._bias = [w.bias for w in spec.tags.values()]
        self._idf = spec.idf
        # Per word: its idf, then its weight for each tag in order (0 where it has none), so a
        # paper's words are looked up once and each tag's sum runs in C (map, itemgetter).
        self._rows = {
            word: (idf, *(w.words.get(word, 0.0) for w in spec.tags.values()))
            for word, idf in spec.idf.items()
        }
        self._columns = [itemgetter(j + 1) for j in range(len(self._tags))]
        self._score_weights = [w.scores for w in spec.tags.values()]

    @classmethod
    def load(cls, path: Path) -> Model:
        data, node = read_yaml(path)
        spec = validate(FacetModel, data, path, node)
        return cls(spec)

    def _words(self, title: str, abstract: str) -> tuple[list[str], list[float], float]:
        """The model's words in the paper (sorted), their raw tf-idf, and that vector's length."""
        counts = Counter(_runs(abstract.lower()))
        repeat = self.spec.title_repeat
        for word in _runs(title.lower()):
            counts[word] += repeat
        words = sorted(counts.keys() & self._idf.keys())
        counted = list(map(counts.__getitem__, words))
        if counted and max(counted) >= len(_TF):  # a word written a thousand times or more
            tf = [1.0 + math.log(n) for n in counted]
        else:
            tf = list(map(_TF.__getitem__, counted))
        raw = list(map(mul, tf, map(self._idf.__getitem__, words)))
        return words, raw, math.sqrt(sum(map(mul, raw, raw)))

    def values(self, title: str, abstract: str) -> dict[str, float]:
        """Each of the model's words in the paper with its tf-idf, the vector scaled to length 1."""
        words, raw, norm = self._words(title, abstract)
        return {word: v / norm for word, v in zip(words, raw, strict=True)} if norm else {}

    def decide(self, title: str, abstract: str, scores: dict[str, float], fallback: bool) -> list[Decision]:
        """The facet's fired tags, most probable first (the most probable alone when none reaches
        the threshold and the facet has a fallback)."""
        words, raw, norm = self._words(title, abstract)
        rows = [self._rows[word] for word in words]
        scale = 1.0 / norm if norm else 0.0
        cap, per = self.spec.score_cap, self.spec.score_scale
        inputs = {key: min(score, cap) / per for key, score in scores.items() if score}
        keys, levels = list(inputs), list(inputs.values())
        found: list[tuple[float, int]] = []
        for j, (bias, column, weights) in enumerate(
            zip(self._bias, self._columns, self._score_weights, strict=True)
        ):
            z = bias + scale * sum(map(mul, raw, map(column, rows)))
            z += sum(map(mul, levels, map(weights.get, keys, repeat(0.0))))
            found.append((_sigmoid(z), j))
        found.sort(key=lambda item: (-item[0], self._tags[item[1]]))
        fired = [item for item in found if item[0] >= self.spec.threshold]
        if not fired and fallback and found:
            fired = found[:1]
        decisions = []
        for p, j in fired:
            column, weights = self._columns[j], self._score_weights[j]
            # The largest contributions: words (scaled at the end), then rule scores.
            top = heapq.nlargest(SHOWN, zip(map(mul, raw, map(column, rows)), words, strict=True))
            parts = [(v * scale, word, False) for v, word in top]
            parts += [(v * weights.get(k, 0.0), k, True) for k, v in inputs.items()]
            decisions.append(
                Decision(self._tags[j], p, self._evidence(self._tags[j], p, parts, title, abstract))
            )
        return decisions

    def _evidence(
        self, tag: str, p: float, parts: list[tuple[float, str, bool]], title: str, abstract: str
    ) -> list[Evidence]:
        """p, then the words and rule scores that added most to the tag's z."""
        rule = f"{self.spec.facet}:{tag}/{MODEL_RULE}"
        items = [Evidence(rule, f"p={p:.2f}", "model", 0, round(p, 3))]
        for part, name, is_score in heapq.nlargest(SHOWN, parts):
            if part <= 0:
                break
            if is_score:
                items.append(Evidence(rule, f"{name} score", "tags", 0, round(part, 3)))
                continue
            field, offset, text = self._where(name, title, abstract)
            items.append(Evidence(rule, text, field, offset, round(part, 3)))
        return items

    def _where(self, word: str, title: str, abstract: str) -> tuple[str, int, str]:
        """The field, offset and spelling of a word's first occurrence as a whole word."""
        for name, text in (("title", title), ("abstract", abstract)):
            lowered = text.lower()
            if len(lowered) != len(text):  # a letter that grows when lower-cased: offsets move
                found = re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
                if found:
                    return name, found.start(), found.group()
                continue
            at = lowered.find(word)
            while at >= 0:
                end = at + len(word)
                if (at == 0 or not is_word(lowered[at - 1])) and (
                    end == len(text) or not is_word(lowered[end])
                ):
                    return name, at, text[at:end]
                at = lowered.find(word, at + 1)
        return "abstract", 0, word


_TF = [0.0, *(1.0 + math.log(n) for n in range(1, 1024))]  # sublinear term frequency, 1 + ln(count)


def _runs(lowered: str) -> list[str]:
    """The runs of word characters in lower-cased text (one-character runs too: no model word is
    that short, so counting them changes nothing). ASCII text is split after turning every other
    character into a space, several times faster than a regex."""
    if lowered.isascii():
        return lowered.translate(_SPACES).split()
    return _RUN.findall(lowered)


def rule_scores(tags: Iterable[Tag]) -> dict[str, float]:
    """The rule score of every tag a paper's rules gave or came near (`tags` + `near`): the
    model's inputs, the same when it is learned and when it runs. A fallback tag carries 0 points
    of its own, so a key seen twice (fallback `kind:method`, and its rules' 1.5 short of the
    threshold) keeps the larger score."""
    scores: dict[str, float] = {}
    for tag in tags:
        if tag.score > scores.get(tag.key, 0.0):
            scores[tag.key] = tag.score
    return scores


def check_model(model: Model, facet: str, taxonomy: Taxonomy, path: Path) -> None:
    """The model is for this facet, and knows only its tags (a tag renamed in `taxonomy.yaml`
    after the model was learned would otherwise never fire)."""
    if model.spec.facet != facet:
        raise ConfigError(
            f"{path}: holds weights for facet {model.spec.facet!r}, but facet {facet!r} names it "
            "(learn one for this facet with `triage rules learn --facet`)"
        )
    known = taxonomy.facets[facet].tags
    unknown = sorted(set(model.spec.tags) - set(known))
    if unknown:
        raise ConfigError(
            f"{path}: tag {unknown[0]!r} is not a tag of facet {facet!r} in taxonomy.yaml; "
            "learn the weights again after renaming a tag"
        )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
