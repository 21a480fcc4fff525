"""Applying compiled rules to one paper: scores per tag, thresholds, fallbacks, evidence.

Scoring, per tag: each rule found in the title adds `weight x weights.title`; each abstract
sentence that mentions the tag adds the best weight found in it, times `weights.claim` when the
sentence also states the paper's own contribution ("we propose", "this paper"); the comments
field adds `weight x weights.comments`. A tag fires when its score reaches its threshold, so
one passing mention in the abstract is not enough. A fired tag may suppress others of its facet
(`suppresses`); a facet that allows one tag keeps the best; a facet with a fallback uses it
when nothing fired.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from triage.classify.code import CodeLinks, decide_code
from triage.classify.compile import CODE, CUE, compile_taxonomy
from triage.classify.matcher import PatternSet, lower_keep_offsets
from triage.classify.rules import Taxonomy
from triage.models import Evidence, Paper, Tag, TaggedPaper

SENTENCE_END = ". "


@dataclass
class _TagScore:
    title_rules: dict[str, float] = field(default_factory=dict)
    sentences: dict[int, float] = field(default_factory=dict)
    comment_rules: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    def total(self) -> float:
        return (
            sum(self.title_rules.values()) + sum(self.sentences.values()) + sum(self.comment_rules.values())
        )


@dataclass
class Classifier:
    """A taxonomy compiled once; `classify` is then a pure function of one Paper."""

    taxonomy: Taxonomy
    patterns: PatternSet
    links: CodeLinks

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> Classifier:
        return cls(taxonomy, compile_taxonomy(taxonomy), CodeLinks.from_rules(taxonomy.code))

    def classify(self, paper: Paper) -> TaggedPaper:
        fields = {"title": paper.title, "abstract": paper.abstract}
        comments = paper.extra.get("comments")
        if isinstance(comments, str) and comments:
            fields["comments"] = comments
        scores: dict[tuple[str, str], _TagScore] = defaultdict(_TagScore)
        code_statements: dict[str, list[Evidence]] = defaultdict(list)
        for name, text in fields.items():
            self._scan(name, text, scores, code_statements)
        tags, near = self._decide(scores)
        finding = decide_code(paper, self.links, code_statements, self._sentence_of(fields))
        tags.append(
            Tag.model_construct(facet="code", id=finding.status, score=1.0, evidence=finding.evidence)
        )
        return TaggedPaper.model_construct(
            paper=paper,
            tags=tags,
            code_url=finding.code_url,
            project_url=finding.project_url,
            near=near,
        )

    @staticmethod
    def _sentence_of(fields: dict[str, str]) -> Callable[[str, int], int]:
        def sentence(name: str, offset: int) -> int:
            return fields.get(name, "").count(SENTENCE_END, 0, max(offset, 0))

        return sentence

    def _scan(
        self,
        name: str,
        text: str,
        scores: dict[tuple[str, str], _TagScore],
        code_statements: dict[str, list[Evidence]],
    ) -> None:
        lowered = lower_keep_offsets(text)
        ids = self.patterns.match(lowered)
        if not ids:
            return
        patterns = self.patterns.patterns
        negatives: dict[str, list[tuple[int, int]]] = defaultdict(list)
        claims: set[int] = set()
        for i in ids:
            p = patterns[i]
            if p.negative:
                negatives[p.rule] += [
                    (s - p.window, e + p.window) for s, e in self.patterns.locate(i, text, lowered)
                ]
            elif p.facet == CUE:
                claims.update(
                    lowered.count(SENTENCE_END, 0, s) for s, _ in self.patterns.locate(i, text, lowered)
                )
        weights = self.taxonomy.weights
        for i in ids:
            p = patterns[i]
            if p.negative or p.facet == CUE or name not in p.fields:
                continue
            blocked = negatives.get(p.rule, ())
            spans = [
                (s, e)
                for s, e in self.patterns.locate(i, text, lowered)
                if not any(bs <= s and e <= be for bs, be in blocked)
            ]
            if not spans:
                continue
            if p.facet == CODE:
                code_statements[p.tag].append(
                    Evidence.model_construct(
                        rule=f"code:{p.tag}/{p.rule.split('/')[-1]}",
                        text=text[spans[0][0] : spans[0][1]],
                        field=name,
                        offset=spans[0][0],
                        weight=1.0,
                    )
                )
                continue
            score = scores[(p.facet, p.tag)]
            if name == "title":
                gain = p.weight * weights.title
                score.title_rules[p.rule] = max(score.title_rules.get(p.rule, 0.0), gain)
            elif name == "comments":
                gain = p.weight * weights.comments
                score.comment_rules[p.rule] = max(score.comment_rules.get(p.rule, 0.0), gain)
            else:
                gain = 0.0
                for s, _ in spans:
                    sentence = lowered.count(SENTENCE_END, 0, s)
                    value = p.weight * (weights.claim if sentence in claims else weights.abstract)
                    if value > score.sentences.get(sentence, 0.0):
                        gain = max(gain, value - score.sentences.get(sentence, 0.0))
                        score.sentences[sentence] = value
            s0, e0 = spans[0]
            score.evidence.append(
                Evidence.model_construct(
                    rule=p.rule, text=text[s0:e0], field=name, offset=s0, weight=round(gain, 3)
                )
            )

    def _decide(self, scores: dict[tuple[str, str], _TagScore]) -> tuple[list[Tag], list[Tag]]:
        """Tags that pass their thresholds per facet (with fallbacks), and those that fell short."""
        tags: list[Tag] = []
        near: list[Tag] = []
        for facet, fdef in self.taxonomy.facets.items():
            fired: list[Tag] = []
            for tag_id, tdef in fdef.tags.items():
                score = scores.get((facet, tag_id))
                if score is None:
                    continue
                total = round(score.total(), 3)
                tag = Tag.model_construct(facet=facet, id=tag_id, score=total, evidence=score.evidence)
                threshold = tdef.threshold if tdef.threshold is not None else fdef.threshold
                (fired if total >= threshold else near).append(tag)
            suppressed = {s for t in fired for s in fdef.tags[t.id].suppresses}
            fired = [t for t in fired if t.id not in suppressed]
            fired.sort(key=lambda t: (-t.score, t.id))
            if not fdef.multiple:
                fired = fired[:1]
            if not fired and fdef.fallback:
                fired = [Tag.model_construct(facet=facet, id=fdef.fallback, score=0.0, evidence=[])]
            tags += fired
        return tags, near
