"""Ranking: a paper's score as a sum of explainable parts, from `ranking.yaml`.

Everything but recency depends only on the paper and the config, so the store keeps it per
paper (`rank_static`) and adds recency at query time; `breakdown` gives the same total part by
part for `triage show`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from pydantic import Field, PrivateAttr

from triage.classify.rules import Taxonomy
from triage.config import ConfigDirs, StrictModel, line_of, read_yaml, validate
from triage.errors import ConfigError
from triage.models import TaggedPaper

CODE_VALUES = ("available", "promised", "project-page", "none")


class Interests(StrictModel):
    tags: dict[str, float] = {}
    phrases: dict[str, float] = {}


class Recency(StrictModel):
    weight: float = 2.0
    half_life_days: float = Field(default=60.0, gt=0)


class Confidence(StrictModel):
    weight: float = 0.05
    cap: float = 1.0


class Ranking(StrictModel):
    """`ranking.yaml`."""

    interests: Interests = Interests()
    code: dict[str, float] = {"available": 2.0, "promised": 0.5, "project-page": 0.5, "none": 0.0}
    kind: dict[str, float] = {"method": 1.0, "benchmark": 0.5, "theory": 0.3, "survey": -0.5}
    recency: Recency = Recency()
    confidence: Confidence = Confidence()
    # Where each key was written (file:line), so a tag the taxonomy does not know is reported there.
    _where: dict[tuple[str, str], str] = PrivateAttr(default_factory=dict)

    def version(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]

    def where(self, section: str, key: str) -> str:
        return self._where.get((section, key), "ranking.yaml")


def load_ranking(dirs: ConfigDirs) -> Ranking:
    path = dirs.find("ranking.yaml")
    data, node = read_yaml(path)
    ranking = validate(Ranking, data, path, node)
    keys: list[tuple[str, ...]] = [("interests", "tags", k) for k in ranking.interests.tags]
    keys += [(section, k) for section in ("code", "kind") for k in getattr(ranking, section)]
    for loc in keys:
        ranking._where[(loc[-2], loc[-1])] = f"{path}:{line_of(node, loc, at_key=True)}"
    return ranking


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    why: str


class Ranker:
    """Ranking weights resolved against the taxonomy (groups expanded, phrases compiled)."""

    def __init__(self, ranking: Ranking, taxonomy: Taxonomy) -> None:
        self.ranking = ranking
        self.tag_weights: dict[str, list[tuple[str, float]]] = {}
        unknown: list[tuple[str, str]] = []  # (where, what)
        for name, weight in ranking.interests.tags.items():
            keys = expand_tag(name, taxonomy)
            unknown += [] if keys else [(ranking.where("tags", name), name)]
            for key in keys:
                self.tag_weights.setdefault(key, []).append((name, weight))
        kinds = taxonomy.facets["kind"].tags if "kind" in taxonomy.facets else {}
        unknown += [(ranking.where("code", k), f"code: {k}") for k in ranking.code if k not in CODE_VALUES]
        unknown += [(ranking.where("kind", k), f"kind: {k}") for k in ranking.kind if k not in kinds]
        if unknown:
            # A misspelt interest would silently weigh nothing: say so, where it is written.
            raise ConfigError(
                f"{unknown[0][0]}: unknown tag {', '.join(repr(what) for _, what in unknown)}; "
                "`triage tags` lists the tags and groups"
            )
        self.phrases = [
            (phrase, _phrase_pattern(phrase), weight) for phrase, weight in ranking.interests.phrases.items()
        ]

    def static_parts(self, tagged: TaggedPaper) -> list[Part]:
        """Every part of the score except recency."""
        parts: list[Part] = []
        best = 0.0
        code = "none"
        kinds = []
        for tag in tagged.tags:
            if tag.facet == "code":
                code = tag.id
            elif tag.facet == "kind":
                kinds.append(tag.id)
            key = f"{tag.facet}:{tag.id}"
            for name, weight in self.tag_weights.get(key, ()):
                parts.append(Part("interest", weight, f"tag {key} (interest {name})"))
                best = max(best, tag.score)
        if self.phrases:
            text = f"{tagged.paper.title} {tagged.paper.abstract}".lower()
            for phrase, pattern, weight in self.phrases:
                if pattern.search(text):
                    parts.append(Part("interest", weight, f"phrase {phrase!r}"))
        parts.append(Part("code", self.ranking.code.get(code, 0.0), f"code {code}"))
        if kinds:
            kind = max(kinds, key=lambda k: self.ranking.kind.get(k, 0.0))
            parts.append(Part("kind", self.ranking.kind.get(kind, 0.0), f"kind {kind}"))
        conf = self.ranking.confidence
        if best and conf.weight:
            parts.append(
                Part("confidence", min(conf.cap, conf.weight * best), f"best interest tag score {best:g}")
            )
        return parts

    def static_score(self, tagged: TaggedPaper) -> float:
        return round(sum(p.points for p in self.static_parts(tagged)), 4)

    def recency(self, published: dt.date | None, today: dt.date) -> Part:
        rec = self.ranking.recency
        if published is None:
            return Part("recency", 0.0, "no publication date")
        age = max((today - published).days, 0)
        return Part("recency", round(rec.weight * 0.5 ** (age / rec.half_life_days), 4), f"{age} days old")

    def breakdown(self, tagged: TaggedPaper, today: dt.date) -> list[Part]:
        return [*self.static_parts(tagged), self.recency(tagged.paper.published, today)]


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words at the start, any run of spaces or dashes between words, any word ending."""
    words = re.split(r"[-\s]+", phrase.lower().strip())
    return re.compile(r"\b" + r"[-\s]+".join(map(re.escape, words)) + r"\w*")


def expand_tag(name: str, taxonomy: Taxonomy) -> list[str]:
    """`pruning`, `method:pruning` or a group such as `compression` -> facet:id keys."""
    if ":" in name:  # facet:id, or facet:group (`method:compression`)
        facet, tag = name.split(":", 1)
        if facet == "code":
            return [name] if tag in CODE_VALUES else []
        fdef = taxonomy.facets.get(facet)
        if fdef is None:
            return []
        return (
            [name] if tag in fdef.tags else [f"{facet}:{t}" for t, d in fdef.tags.items() if d.group == tag]
        )
    keys = [f"{f}:{name}" for f, fdef in taxonomy.facets.items() if name in fdef.tags]
    keys += [
        f"{f}:{t}"
        for f, fdef in taxonomy.facets.items()
        for t, tdef in fdef.tags.items()
        if tdef.group == name
    ]
    if name in CODE_VALUES:
        keys.append(f"code:{name}")
    return keys
