"""Applying compiled rules to one paper: scores per tag, thresholds, fallbacks, evidence.

Scoring, per tag: each rule found in the title adds `weight x weights.title`; each abstract
sentence that mentions the tag adds the best weight found in it, times `weights.claim` when the
mention lies in the sentence's claim: from its first claim cue ("we propose", "this paper") on,
minus asides (`aside_cues`: from "unlike", "compared to", "outperforms", "such as" ... to the next
comma, or to the closing parenthesis of "(e.g., A, B)"), so "Unlike CNNs, we propose ..." or
"... outperforms LSTMs" does not boost CNN or LSTM;
the comments field adds `weight x weights.comments`. A tag fires when its score reaches its
threshold, so one passing mention in the abstract is not enough. A fired tag may suppress others of its facet
(`suppresses`); a facet that allows one tag keeps the best; a facet with a fallback uses it
when nothing fired.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from triage.classify.code import CodeLinks, decide_code
from triage.classify.compile import ASIDE, CODE, CUE, compile_taxonomy
from triage.classify.matcher import PatternSet, lower_keep_offsets
from triage.classify.rules import Taxonomy
from triage.models import Evidence, Paper, Tag, TaggedPaper

SENTENCE_END = ". "
CLAUSE_END = (",", ";", ":")


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end; bisect gives any offset's sentence number."""
    ends = []
    at = text.find(SENTENCE_END)
    while at >= 0:
        ends.append(at + 2)
        at = text.find(SENTENCE_END, at + 2)
    return ends


@dataclass(slots=True)
class _TagScore:
    title_rules: dict[str, float] = field(default_factory=dict)
    sentences: dict[int, float] = field(default_factory=dict)
    comment_rules: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    def total(self) -> float:
        return (
            sum(self.title_rules.values()) + sum(self.sentences.values()) + sum(self.comment_rules.values())
        )

    def add(self, name: str, rule: str, weight: float, sentences: list[tuple[int, float]]) -> float:
        """Count one rule's matches in a field; returns the points they added to the score."""
        if name == "abstract":
            gain = 0.0
            for sentence, value in sentences:
                before = self.sentences.get(sentence, 0.0)
                if value > before:
                    gain += value - before
                    self.sentences[sentence] = value
            return gain
        per_rule = self.title_rules if name == "title" else self.comment_rules
        before = per_rule.get(rule, 0.0)
        if weight <= before:
            return 0.0
        per_rule[rule] = weight
        return weight - before


@dataclass
class Classifier:
    """A taxonomy compiled once; `classify` is then a pure function of one Paper."""

    taxonomy: Taxonomy
    links: CodeLinks
    thresholds: dict[tuple[str, str], float] = field(default_factory=dict)
    _patterns: PatternSet | None = None

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> Classifier:
        thresholds = {
            (facet, tag): fdef.threshold_of(tag)
            for facet, fdef in taxonomy.facets.items()
            for tag in fdef.tags
        }
        return cls(taxonomy, CodeLinks.from_rules(taxonomy.code), thresholds)

    def __getstate__(self) -> dict[str, object]:
        """Picklable for Spark / Dask / Ray: the RE2 set is dropped and rebuilt on first use."""
        return {**self.__dict__, "_patterns": None}

    @property
    def patterns(self) -> PatternSet:
        """The compiled RE2 set, built on first use (commands that only read the store skip it)."""
        if self._patterns is None:
            self._patterns = compile_taxonomy(self.taxonomy)
        return self._patterns

    def classify(self, paper: Paper) -> TaggedPaper:
        fields = {"title": paper.title, "abstract": paper.abstract}
        comments = paper.extra.get("comments")
        if isinstance(comments, str) and comments:
            fields["comments"] = comments
        scores: dict[tuple[str, str], _TagScore] = {}
        code_statements: dict[str, list[Evidence]] = defaultdict(list)
        ends = {name: sentence_ends(text) for name, text in fields.items()}
        for name, text in fields.items():
            self._scan(name, text, ends[name], scores, code_statements)
        tags, near = self._decide(scores)
        finding = decide_code(paper, self.links, code_statements, _sentence_lookup(ends))
        tags.append(Tag("code", finding.status, 1.0, finding.evidence))
        return TaggedPaper(paper, tags, finding.code_url, finding.project_url, near)

    def _scan(
        self,
        name: str,
        text: str,
        ends: list[int],
        scores: dict[tuple[str, str], _TagScore],
        code_statements: dict[str, list[Evidence]],
    ) -> None:
        lowered = lower_keep_offsets(text)
        ids = self.patterns.match(lowered)
        if not ids:
            return
        patterns = self.patterns.patterns
        locate = self.patterns.locate
        positives = [i for i in ids if not patterns[i].negative and patterns[i].facet not in (CUE, ASIDE)]
        if not positives:
            return
        live_rules = {patterns[i].rule for i in positives}
        blocked: dict[str, list[tuple[int, int]]] = defaultdict(list)
        claims: dict[int, int] = {}  # sentence -> where its claim starts (its first cue)
        aside_ids = []
        for i in ids:
            p = patterns[i]
            if p.negative and p.rule in live_rules:
                blocked[p.rule] += [(s - p.window, e + p.window) for s, e in locate(i, text, lowered)]
            elif p.facet == CUE and name in p.fields:
                for s, _ in locate(i, text, lowered):
                    sentence = bisect_right(ends, s)
                    if s < claims.get(sentence, s + 1):
                        claims[sentence] = s
            elif p.facet == ASIDE and name in p.fields:
                aside_ids.append(i)
        # Asides matter only inside claim sentences: from the cue to the clause end (or to the closing
        # parenthesis of "(e.g., A, B and C)"), no claim weight.
        asides = [
            (s, _aside_end(text, s, e, ends))
            for i in (aside_ids if claims else ())
            for s, e in locate(i, text, lowered)
            if bisect_right(ends, s) in claims
        ]
        weights = self.taxonomy.weights
        field_weight = weights.title if name == "title" else weights.comments
        for i in positives:
            p = patterns[i]
            if name not in p.fields:
                continue
            spans = locate(i, text, lowered)
            if p.rule in blocked:
                cut = blocked[p.rule]
                spans = [(s, e) for s, e in spans if not any(bs <= s and e <= be for bs, be in cut)]
            if not spans:
                continue
            start, end = spans[0]
            if p.facet == CODE:
                rule = f"code:{p.tag}/{p.rule.rsplit('/', 1)[-1]}"
                code_statements[p.tag].append(Evidence(rule, text[start:end], name, start, 1.0))
                continue
            sentences = []
            if name == "abstract":
                for s, _ in spans:
                    sentence = bisect_right(ends, s)
                    cue = claims.get(sentence)
                    claimed = cue is not None and cue <= s and not (asides and _inside(s, asides))
                    sentences.append((sentence, p.weight * (weights.claim if claimed else weights.abstract)))
            score = scores.get((p.facet, p.tag))
            if score is None:
                score = scores[(p.facet, p.tag)] = _TagScore()
            gain = score.add(name, p.rule, p.weight * field_weight, sentences)
            score.evidence.append(Evidence(p.rule, text[start:end], name, start, round(gain, 3)))

    def _decide(self, scores: dict[tuple[str, str], _TagScore]) -> tuple[list[Tag], list[Tag]]:
        """Tags that pass their thresholds per facet (with fallbacks), and those that did not make
        it (short of the threshold, suppressed by another tag, or beyond a single-tag facet)."""
        by_facet: dict[str, list[Tag]] = defaultdict(list)
        near: list[Tag] = []
        for (facet, tag_id), score in scores.items():
            tag = Tag(facet, tag_id, round(score.total(), 3), score.evidence)
            (by_facet[facet] if tag.score >= self.thresholds[(facet, tag_id)] else near).append(tag)
        tags: list[Tag] = []
        for facet, fdef in self.taxonomy.facets.items():
            fired = by_facet.get(facet, [])
            suppressed = {s for t in fired for s in fdef.tags[t.id].suppresses}
            fired.sort(key=lambda t: (t.id in suppressed, -t.score, t.id))
            keep = sum(1 for t in fired if t.id not in suppressed) if fdef.multiple else min(1, len(fired))
            if fired and fired[0].id in suppressed:
                keep = 0
            near += fired[keep:]
            fired = fired[:keep]
            if not fired and fdef.fallback:
                fired = [Tag(facet, fdef.fallback, 0.0, [])]
            tags += fired
        return tags, near


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _aside_end(text: str, cue: int, start: int, ends: list[int]) -> int:
    """Where an aside that starts at `cue` and whose cue word ends at `start` stops: the closing
    parenthesis when the cue is inside one, else the clause end (after the cue's own "e.g.,")."""
    sentence = bisect_right(ends, cue)
    sentence_end = ends[sentence] if sentence < len(ends) else len(text)
    opened = text.rfind("(", 0, cue)
    if opened >= 0 and text.find(")", opened, cue) < 0:
        closed = text.find(")", cue, sentence_end)
        if closed >= 0:
            return closed
    while start < len(text) and text[start] in ".,":
        start += 1
    return _clause_end(text, start, ends)


def _clause_end(text: str, start: int, ends: list[int]) -> int:
    """Where the clause that goes on at `start` ends: the next comma, semicolon or sentence end."""
    sentence = bisect_right(ends, start)
    sentence_end = ends[sentence] if sentence < len(ends) else len(text)
    stops = [at for at in (text.find(c, start, sentence_end) for c in CLAUSE_END) if at >= 0]
    return min(stops, default=sentence_end)


def _sentence_lookup(ends: dict[str, list[int]]) -> Callable[[str, int], int]:
    def sentence(name: str, offset: int) -> int:
        return bisect_right(ends.get(name, []), max(offset, 0))

    return sentence
