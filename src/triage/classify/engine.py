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
when nothing fired. A facet with learned weights (`model:` in taxonomy.yaml, see
triage.classify.model) then has its tags decided by them, from the paper's words and every
tag's score above.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from triage.classify.code import CodeLinks, decide_code
from triage.classify.compile import compile_taxonomy
from triage.classify.matcher import ASIDE, CODE, CUE, NEGATIVE, Pattern, PatternSet
from triage.classify.model import Model, check_model, rule_scores
from triage.classify.rules import Taxonomy
from triage.models import Evidence, Paper, Tag, TaggedPaper

SENTENCE_END = ". "
_SENTENCE_END = re.compile(re.escape(SENTENCE_END))
K = TypeVar("K")
_KEY_OF: Callable[[Pattern], tuple[str, str]] = attrgetter("key")  # where a tag's evidence goes
_TAG_OF: Callable[[Pattern], str] = attrgetter("tag")  # where a code statement goes
CLAUSE_END = (",", ";", ":")
FALLBACK_IF = "fallback_if"  # the rule name of the reason a `fallback_if` tag carries


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end (each ". ", left to right, none overlapping); bisect
    gives any offset's sentence number."""
    return [found.end() for found in _SENTENCE_END.finditer(text)]


@dataclass(slots=True)
class _Scoring:
    """Points per tag while one paper is scanned: the best value per abstract sentence, the best
    per rule in the title and comments, and the evidence in the order it was found."""

    sentences: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    rules: dict[tuple[str, str], dict[tuple[str, str], float]] = field(default_factory=dict)
    evidence: dict[tuple[str, str], list[Evidence]] = field(default_factory=dict)


@dataclass
class Classifier:
    """A taxonomy compiled once; `classify` is then a pure function of one Paper."""

    taxonomy: Taxonomy
    links: CodeLinks
    thresholds: dict[tuple[str, str], float] = field(default_factory=dict)
    _patterns: PatternSet | None = None
    # Facets decided by learned weights: facet -> the model's file, read on first use.
    model_files: dict[str, Path] = field(default_factory=dict)
    _models: dict[str, Model] | None = None
    # Per facet, in taxonomy order: (facet, several tags allowed, fallback, tag -> tags it suppresses).
    _facets: list[tuple[str, bool, str | None, dict[str, list[str]]]] = field(default_factory=list)
    # Per facet: (tag, the other facets' tag keys that give it instead of the fallback), in order.
    _fallback_if: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._facets = [
            (
                facet,
                fdef.multiple,
                fdef.fallback,
                {tag: tdef.suppresses for tag, tdef in fdef.tags.items() if tdef.suppresses},
            )
            for facet, fdef in self.taxonomy.facets.items()
        ]
        self._fallback_if = {
            facet: implied
            for facet, fdef in self.taxonomy.facets.items()
            if (implied := [(tag, tdef.fallback_if) for tag, tdef in fdef.tags.items() if tdef.fallback_if])
        }

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy, model_files: dict[str, Path] | None = None) -> Classifier:
        thresholds = {
            (facet, tag): fdef.threshold_of(tag)
            for facet, fdef in taxonomy.facets.items()
            for tag in fdef.tags
        }
        return cls(taxonomy, CodeLinks.from_rules(taxonomy.code), thresholds, model_files=model_files or {})

    def __getstate__(self) -> dict[str, object]:
        """Picklable for Spark / Dask / Ray: the compiled patterns and models are dropped and
        rebuilt on first use."""
        return {**self.__dict__, "_patterns": None, "_models": None}

    def version(self) -> str:
        """A short hash of the effective rules and model weights, stored with every paper
        (`rules_version`); `retag` re-applies the current ones to every paper."""
        fingerprint = self.taxonomy.fingerprint()
        if not self.model_files:
            return fingerprint
        digest = hashlib.sha256(fingerprint.encode())
        for facet, path in sorted(self.model_files.items()):
            digest.update(f"\0{facet}\0".encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")  # reading it to classify gives the error
        return digest.hexdigest()[:12]

    @property
    def models(self) -> dict[str, Model]:
        """The facets' learned models, read on first use (commands that only read the store skip them)."""
        if self._models is None:
            self._models = {facet: Model.load(path) for facet, path in self.model_files.items()}
            for facet, model in self._models.items():
                check_model(model, facet, self.taxonomy, self.model_files[facet])
        return self._models

    @property
    def patterns(self) -> PatternSet:
        """The compiled patterns, built on first use (commands that only read the store skip them)."""
        if self._patterns is None:
            self._patterns = compile_taxonomy(self.taxonomy)
        return self._patterns

    def classify(self, paper: Paper) -> TaggedPaper:
        fields = {"title": paper.title, "abstract": paper.abstract}
        comments = paper.extra.get("comments")
        if isinstance(comments, str) and comments:
            fields["comments"] = comments
        scoring = _Scoring()
        code_statements: dict[str, list[Evidence]] = {}
        ends = {name: sentence_ends(text) for name, text in fields.items()}
        for name, text in fields.items():
            self._scan(name, text, ends[name], scoring, code_statements)
        tags, near = self._decide(scoring)
        finding = decide_code(paper, self.links, code_statements, _sentence_lookup(ends))
        tags.append(Tag("code", finding.status, 1.0, finding.evidence))
        if self.model_files:
            self._apply_models(paper, tags, near)
        return TaggedPaper(paper, tags, finding.code_url, finding.project_url, near)

    def _apply_models(self, paper: Paper, tags: list[Tag], near: list[Tag]) -> None:
        """The learned facets' tags, in place of those their rules' thresholds gave.

        Each tag the weights fire carries their evidence, then its own rules' evidence and
        points. A tag the weights do not cover (too few labelled papers when they were learned,
        or added to the taxonomy since) keeps its rules' decision. The facet's own settings
        still hold: `suppresses`, `multiple: false` (the most probable tag), and the fallback
        when nothing is left. A tag the rules fired that is not kept goes to `near`."""
        scores = rule_scores((*tags, *near))
        for facet, model in self.models.items():
            fdef = self.taxonomy.facets[facet]
            by_rules = {t.id: t for t in (*tags, *near) if t.facet == facet}
            uncovered = [t for t in tags if t.facet == facet and t.evidence and t.id not in model.spec.tags]
            # The most probable tag when none reaches the threshold, if the facet must have one and
            # the weights cover its fallback (else that fallback, with the rules, applies).
            want_one = fdef.fallback is not None and fdef.fallback in model.spec.tags and not uncovered
            chosen = []
            for decision in model.decide(paper.title, paper.abstract, scores, want_one):
                own = by_rules.pop(decision.tag, None)
                score, evidence = (own.score, own.evidence) if own is not None else (0.0, [])
                chosen.append(Tag(facet, decision.tag, score, [*decision.evidence, *evidence]))
            for tag in uncovered:
                chosen.append(by_rules.pop(tag.id))
            suppressed = {s for t in chosen for s in fdef.tags[t.id].suppresses if s != t.id}
            kept = [t for t in chosen if t.id not in suppressed][: None if fdef.multiple else 1]
            dropped = [t for t in chosen if t not in kept]
            if not kept and fdef.fallback is not None:
                kept = [Tag(facet, fdef.fallback, 0.0, [])]
            at = next((n for n, t in enumerate(tags) if t.facet == facet), len(tags))
            tags[:] = [
                *(t for t in tags[:at] if t.facet != facet),
                *kept,
                *(t for t in tags[at:] if t.facet != facet),
            ]
            near[:] = [
                *(t for t in near if t.facet != facet),
                *dropped,
                *(t for t in by_rules.values() if t.evidence),
            ]

    def _scan(
        self,
        name: str,
        text: str,
        ends: list[int],
        scoring: _Scoring,
        code_statements: dict[str, list[Evidence]],
    ) -> None:
        positives, others = self.patterns.split_hits(text, name)
        if not (positives or others):
            return
        # Cues, asides, negative context and code statements first (few per text); the cues,
        # asides and negatives decide what the rest counts.
        claims: dict[int, int] = {}  # sentence -> where its claim starts (its first cue)
        aside_hits = []
        blocked: dict[str, list[tuple[int, int]]] = {}
        statements: dict[Pattern, list[Any]] = {}  # code statement -> [start, end, points, it]
        for s, e, p in others:
            kind = p.kind
            if kind == CUE:
                sentence = bisect_right(ends, s)
                if s < claims.get(sentence, s + 1):
                    claims[sentence] = s
            elif kind == ASIDE:
                aside_hits.append((s, e))
            elif kind == NEGATIVE:
                blocked.setdefault(p.rule, []).append((s - p.window, e + p.window))
            elif kind == CODE and p not in statements:
                statements[p] = [s, e, 1.0, p]
        if statements:
            _record_evidence(statements, name, text, code_statements, _TAG_OF)
        if not positives:
            return
        # Asides matter only inside claim sentences: from the cue to the clause end (or to the closing
        # parenthesis of "(e.g., A, B and C)"), no claim weight.
        asides = [
            (s, _aside_end(text, s, e, ends))
            for s, e in (aside_hits if claims else ())
            if bisect_right(ends, s) in claims
        ]
        first: dict[Pattern, list[Any]] = {}  # pattern -> [start, end, points, it], in text order
        if name == "abstract":
            self._score_abstract(positives, ends, claims, asides, blocked, scoring.sentences, first)
        else:
            self._score_field(name, positives, blocked, scoring.rules, first)
        _record_evidence(first, name, text, scoring.evidence, _KEY_OF)

    def _score_abstract(
        self,
        positives: list[tuple[int, int, Pattern]],
        ends: list[int],
        claims: dict[int, int],
        asides: list[tuple[int, int]],
        blocked: dict[str, list[tuple[int, int]]],
        sentences: dict[tuple[str, str], dict[int, float]],
        first: dict[Pattern, list[Any]],
    ) -> None:
        """Points of the abstract's occurrences: the best per tag and sentence, claim weight for
        those in a sentence's claim (after its cue, outside asides)."""
        weights = self.taxonomy.weights
        claim_weight, abstract_weight = weights.claim, weights.abstract
        for s, e, p in positives:
            if blocked and p.rule in blocked and any(bs <= s and e <= be for bs, be in blocked[p.rule]):
                continue
            sentence = bisect_right(ends, s)
            cue = claims.get(sentence)
            if cue is not None and cue <= s and not (asides and _inside(s, asides)):
                value = p.weight * claim_weight
            else:
                value = p.weight * abstract_weight
            key = p.key
            best = sentences.get(key)
            if best is None:
                best = sentences[key] = {}
            before = best.get(sentence, 0.0)
            gain = value - before if value > before else 0.0
            if gain:
                best[sentence] = value
            seen = first.get(p)
            if seen is None:
                first[p] = [s, e, gain, p]
            elif gain:
                seen[2] += gain

    def _score_field(
        self,
        name: str,
        positives: list[tuple[int, int, Pattern]],
        blocked: dict[str, list[tuple[int, int]]],
        rules: dict[tuple[str, str], dict[tuple[str, str], float]],
        first: dict[Pattern, list[Any]],
    ) -> None:
        """Points of the title's or comments' occurrences: the best per tag and rule. Written apart
        from `_score_abstract` (same blocking and first-occurrence steps) rather than as one loop
        that branches on the field for every occurrence: this is the per-hit hot path."""
        weights = self.taxonomy.weights
        field_weight = weights.title if name == "title" else weights.comments
        for s, e, p in positives:
            if blocked and p.rule in blocked and any(bs <= s and e <= be for bs, be in blocked[p.rule]):
                continue
            value = p.weight * field_weight
            key = p.key
            per_rule = rules.get(key)
            if per_rule is None:
                per_rule = rules[key] = {}
            slot = (name, p.rule)
            before = per_rule.get(slot, 0.0)
            gain = value - before if value > before else 0.0
            if gain:
                per_rule[slot] = value
            seen = first.get(p)
            if seen is None:
                first[p] = [s, e, gain, p]
            elif gain:
                seen[2] += gain

    def _decide(self, scoring: _Scoring) -> tuple[list[Tag], list[Tag]]:
        """Tags that pass their thresholds per facet (with fallbacks), and those that did not make
        it (short of the threshold, suppressed by another tag, or beyond a single-tag facet)."""
        by_facet: dict[str, list[Tag]] = {}
        near: list[Tag] = []
        thresholds = self.thresholds
        sentences, rules = scoring.sentences, scoring.rules
        for key, evidence in scoring.evidence.items():
            per_sentence = sentences.get(key)
            points = sum(per_sentence.values()) if per_sentence is not None else 0.0
            per_rule = rules.get(key)
            if per_rule is not None:
                points += sum(per_rule.values())
            tag = Tag(key[0], key[1], _round3(points), evidence)
            if tag.score >= thresholds[key]:
                fired = by_facet.get(key[0])
                if fired is None:
                    by_facet[key[0]] = [tag]
                else:
                    fired.append(tag)
            else:
                near.append(tag)
        tags: list[Tag] = []
        for facet, multiple, fallback, suppresses in self._facets:
            fired = by_facet.get(facet)
            if fired is None:
                if fallback:
                    tags.append(Tag(facet, fallback, 0.0, []))
                continue
            suppressed = {s for t in fired for s in suppresses.get(t.id, ())} if suppresses else None
            if suppressed:
                if len(fired) > 1:
                    fired.sort(key=lambda t: (t.id in suppressed, -t.score, t.id))
                keep = sum(1 for t in fired if t.id not in suppressed) if multiple else 1
                if fired[0].id in suppressed:
                    keep = 0
            else:  # the common case: nothing suppressed, best first
                if len(fired) > 1:
                    fired.sort(key=_by_score)
                keep = len(fired) if multiple else 1
            near += fired[keep:]
            if keep:
                tags += fired[:keep]
            elif fallback:
                tags.append(Tag(facet, fallback, 0.0, []))
        if self._fallback_if:
            self._implied(tags, near)
        return tags, near

    def _implied(self, tags: list[Tag], near: list[Tag]) -> None:
        """In a facet where nothing fired, the first tag that a fired tag of another facet gives
        (`fallback_if`), in place of the fallback if any: its own points and evidence, short of
        the threshold, plus the other tag's first evidence, renamed, as the reason."""
        fired = {t.key: t for t in tags if t.evidence}
        facets_fired = {t.facet for t in fired.values()}
        for facet, implied_by in self._fallback_if.items():
            if facet in facets_fired:
                continue
            for implied, keys in implied_by:
                cause = next((fired[k] for k in keys if k in fired), None)
                if cause is None:
                    continue
                first = cause.evidence[0]
                rule = f"{facet}:{implied}/{FALLBACK_IF}:{cause.key}"
                reason = Evidence(rule, first.text, first.field, first.offset, 0.0)
                own = next((t for t in near if t.facet == facet and t.id == implied), None)
                if own is None:
                    tag = Tag(facet, implied, 0.0, [reason])
                else:
                    near.remove(own)
                    tag = Tag(facet, implied, own.score, [reason, *own.evidence])
                at = next((n for n, t in enumerate(tags) if t.facet == facet), None)  # its fallback
                if at is None:
                    tags.append(tag)
                else:
                    tags[at] = tag
                break


def _record_evidence(
    first: dict[Pattern, list[Any]],
    name: str,
    text: str,
    into: dict[K, list[Evidence]],
    key_of: Callable[[Pattern], K],
) -> None:
    """Each pattern's first match in a field as evidence, one item per rule and place: two phrases
    of a rule that match at the same offset ("LLM", "LLMs") are one match, the longer text, with
    both's points. Items go to `into`, under `key_of` their pattern (a tag's key; a code
    statement's tag)."""
    merged: dict[tuple[str, int], list[Any]] = {}
    for found in first.values():
        kept = merged.setdefault((found[3].rule, found[0]), found)
        if kept is not found:
            kept[1] = max(kept[1], found[1])
            kept[2] += found[2]
    for s, e, points, p in merged.values():
        item = Evidence(p.rule, text[s:e], name, s, _round3(points))
        key = key_of(p)
        items = into.get(key)
        if items is None:
            into[key] = [item]
        else:
            items.append(item)


# round(x, 3) of the points seen so far: scores are sums of a few weights, so the same values
# recur, and a look-up is several times cheaper than rounding again. Zeros are not kept (0.0 and
# -0.0 are one key but round to themselves), and the table stops growing at a few thousand.
_ROUNDED: dict[float, float] = {}
_ROUNDED_MAX = 4096


def _round3(points: float) -> float:
    """round(points, 3), remembered in _ROUNDED."""
    rounded = _ROUNDED.get(points)
    if rounded is not None:
        return rounded
    rounded = round(points, 3)
    if points and len(_ROUNDED) < _ROUNDED_MAX:
        _ROUNDED[points] = rounded
    return rounded


def _by_score(tag: Tag) -> tuple[float, str]:
    return -tag.score, tag.id


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
