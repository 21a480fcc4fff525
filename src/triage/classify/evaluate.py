"""Scoring rules against hand-labelled papers: precision, recall, F1 per tag and per facet."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from triage.errors import InputError
from triage.models import Paper, TaggedPaper
from triage.parse.records import ParseContext, json_loads, make_paper
from triage.text import normalise_arxiv_id, title_key

if TYPE_CHECKING:
    from triage.classify.engine import Classifier


@dataclass
class GoldPaper:
    line: int
    title: str
    arxiv_id: str | None
    tags: dict[str, set[str]]
    abstract: str | None = None


def _gold_line(record: object, number: int) -> GoldPaper:
    if not isinstance(record, dict) or not isinstance(record.get("title"), str):
        raise ValueError("`title` must be a string")
    tags = record.get("tags")
    if not isinstance(tags, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in tags.values()
    ):
        raise ValueError("`tags` must map each facet to a list of tag ids")
    abstract = record.get("abstract")
    return GoldPaper(
        number,
        record["title"],
        normalise_arxiv_id(record.get("arxiv_id")),
        {facet: set(ids) for facet, ids in tags.items()},
        abstract if isinstance(abstract, str) else None,
    )


def read_gold(path: Path) -> list[GoldPaper]:
    """Gold lines `{"title": ..., "tags": {"domain": [...], ...}}`; a bad line names its number."""
    gold: list[GoldPaper] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read gold file: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json_loads(line)
            gold.append(_gold_line(record, number))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"{path}:{number}: not a gold line ({exc!s}); expected "
                '{"title": "...", "tags": {"domain": ["..."], ...}}'
            ) from exc
    return gold


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Mistake:
    kind: str  # "fp" or "fn"
    tag: str
    title: str
    score: float
    evidence: list[str]


@dataclass
class EvalReport:
    per_tag: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    mistakes: list[Mistake] = field(default_factory=list)
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)

    def facet_micro(self, facet: str) -> Counts:
        total = Counts()
        for key, c in self.per_tag.items():
            if key.split(":", 1)[0] == facet:
                total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total

    def facet_macro(self, facet: str) -> float:
        f1s = [c.f1 for key, c in self.per_tag.items() if key.split(":", 1)[0] == facet]
        return sum(f1s) / len(f1s) if f1s else 0.0

    def facets(self) -> list[str]:
        return sorted({key.split(":", 1)[0] for key in self.per_tag})

    def as_dict(self) -> dict[str, object]:
        return {
            "papers": self.matched,
            "unmatched": self.unmatched,
            "facets": {
                f: {
                    "micro_f1": round(self.facet_micro(f).f1, 4),
                    "macro_f1": round(self.facet_macro(f), 4),
                    "precision": round(self.facet_micro(f).precision, 4),
                    "recall": round(self.facet_micro(f).recall, 4),
                }
                for f in self.facets()
            },
            "tags": {
                k: {"tp": c.tp, "fp": c.fp, "fn": c.fn, "f1": round(c.f1, 4)}
                for k, c in sorted(self.per_tag.items())
            },
        }


def _explain(tagged: TaggedPaper, key: str) -> tuple[float, list[str]]:
    for tag in [*tagged.tags, *tagged.near]:
        if tag.key == key:
            return tag.score, [f"{e.rule} {e.field}:{e.text!r}" for e in tag.evidence]
    return 0.0, []


def matched(gold: list[GoldPaper], tagged: Iterable[TaggedPaper]) -> Iterator[tuple[GoldPaper, TaggedPaper]]:
    """Each gold paper with the first tagged paper that is it (same arXiv id, else same title)."""
    by_id = {g.arxiv_id: g for g in gold if g.arxiv_id}
    by_title = {title_key(g.title): g for g in gold}
    seen: set[int] = set()
    for tp in tagged:
        g = by_id.get(tp.paper.arxiv_id or "") or by_title.get(title_key(tp.paper.title))
        if g is None or g.line in seen:
            continue
        seen.add(g.line)
        yield g, tp


def evaluate(gold: list[GoldPaper], tagged: Iterable[TaggedPaper], facets: Iterable[str]) -> EvalReport:
    """Compare predicted tags with gold tags for every gold paper found among the tagged ones."""
    report = EvalReport()
    seen: set[int] = set()
    wanted = set(facets)
    for g, tp in matched(gold, tagged):
        seen.add(g.line)
        report.matched += 1
        for facet in wanted & set(g.tags):
            predicted, expected = set(tp.tag_ids(facet)), g.tags[facet]
            for tag in predicted | expected:
                key = f"{facet}:{tag}"
                counts = report.per_tag[key]
                if tag in predicted and tag in expected:
                    counts.tp += 1
                    continue
                kind = "fp" if tag in predicted else "fn"
                setattr(counts, kind, getattr(counts, kind) + 1)
                score, evidence = _explain(tp, key)
                report.mistakes.append(Mistake(kind, key, tp.paper.title, score, evidence))
    report.unmatched = [g.title for g in gold if g.line not in seen]
    return report


@dataclass
class Change:
    """A gold paper whose tags in one facet differ between two rule sets."""

    title: str
    facet: str
    before: list[str]
    after: list[str]
    gold: list[str]

    @property
    def delta(self) -> int:
        """Wrong tags (missed or extra) after, minus before: below 0 is better."""
        expected = set(self.gold)
        return len(set(self.after) ^ expected) - len(set(self.before) ^ expected)

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "facet": self.facet,
            "before": self.before,
            "after": self.after,
            "gold": self.gold,
            "delta": self.delta,
        }


@dataclass
class Comparison:
    """The same gold papers scored by a baseline's rules and the current ones, and what changed."""

    baseline: EvalReport
    current: EvalReport
    changes: list[Change]


def compare(
    gold: list[GoldPaper],
    papers: Iterable[Paper],
    current: Classifier,
    baseline: Classifier,
    facets: Iterable[str],
) -> Comparison:
    """Score both rule sets on the same papers and list, per gold paper and facet, the tags that
    differ: what a rule change fixed and what it broke."""
    papers = list(papers)
    wanted = sorted(set(facets))
    now = [current.classify(p) for p in papers]
    before = {id(p): baseline.classify(p) for p in papers}
    changes = []
    for g, tp in matched(gold, now):
        old = before[id(tp.paper)]
        for facet in wanted:
            if facet not in g.tags:
                continue
            a, b = sorted(old.tag_ids(facet)), sorted(tp.tag_ids(facet))
            if a != b:
                changes.append(Change(tp.paper.title, facet, a, b, sorted(g.tags[facet])))
    changes.sort(key=lambda c: (c.delta, c.facet, c.title))
    return Comparison(evaluate(gold, before.values(), wanted), evaluate(gold, now, wanted), changes)


def gold_as_papers(gold: list[GoldPaper], name: str) -> list[Paper]:
    """Papers built from gold lines that carry their own abstract (self-contained gold files)."""
    missing = [g for g in gold if not g.abstract]
    if missing:
        raise InputError(
            f"{name}:{missing[0].line}: gold line has no abstract; give the papers with --dump FILE"
        )
    ctx = ParseContext(file=name, format="gold", reference=dt.date.today(), explicit_date=False)
    papers = [make_paper(ctx, g.title, g.abstract or "", line=g.line, arxiv_id=g.arxiv_id) for g in gold]
    return [p for p in papers if isinstance(p, Paper)]
