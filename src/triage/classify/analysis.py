"""Rule analysis over a corpus, the way snorkel reports labelling functions: coverage, rules that
never fire, tags that overlap, and conflicts where one tag suppresses another on the same paper.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from triage.classify.engine import FALLBACK_IF
from triage.classify.rules import Taxonomy
from triage.models import TaggedPaper


@dataclass
class RuleStats:
    papers: int = 0
    rule_hits: Counter[str] = field(default_factory=Counter)  # papers where the rule found evidence
    rule_decisive: Counter[str] = field(default_factory=Counter)  # ... and its tag fired
    tag_counts: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    conflicts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def never_fired(self, taxonomy: Taxonomy) -> list[str]:
        return [r for r in all_rule_ids(taxonomy) if not self.rule_hits[r]]

    def overlap(self, limit: int = 10) -> list[tuple[str, str, int, float]]:
        """Tag pairs of one facet that fire together most, with their Jaccard index."""
        rows = []
        for (a, b), both in self.pairs.items():
            union = self.tag_counts[a] + self.tag_counts[b] - both
            rows.append((a, b, both, both / union if union else 0.0))
        return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))[:limit]


def all_rule_ids(taxonomy: Taxonomy) -> list[str]:
    return [
        f"{facet}:{tag}/{rule.id}"
        for facet, fdef in taxonomy.facets.items()
        for tag, tdef in fdef.tags.items()
        for rule in tdef.rules
    ]


def analyse(tagged: Iterable[TaggedPaper], taxonomy: Taxonomy) -> RuleStats:
    stats = RuleStats()
    for paper in tagged:
        stats.papers += 1
        fired = {t.key for t in paper.tags}
        for tag in [*paper.tags, *paper.near]:
            rules = {e.rule for e in tag.evidence}
            # A `fallback_if` tag carries its reason (not a rule of the taxonomy) and its own rules'
            # evidence, which fell short: none of them decided it.
            implied = {r for r in rules if r.partition("/")[2].startswith(f"{FALLBACK_IF}:")}
            for rule in rules - implied:
                stats.rule_hits[rule] += 1
                stats.rule_decisive[rule] += tag.key in fired and not implied
        for key in fired:
            stats.tag_counts[key] += 1
        by_facet: dict[str, list[str]] = {}
        for key in sorted(fired):
            by_facet.setdefault(key.split(":", 1)[0], []).append(key)
        for keys in by_facet.values():
            stats.pairs.update(combinations(keys, 2))
        _count_conflicts(paper, taxonomy, stats)
    return stats


def _count_conflicts(paper: TaggedPaper, taxonomy: Taxonomy, stats: RuleStats) -> None:
    """A tag that passed its threshold but was suppressed by another, or lost a single-value facet."""
    fired = {t.key for t in paper.tags}
    for tag in paper.near:
        fdef = taxonomy.facets.get(tag.facet)
        if fdef is None:
            continue
        if tag.score < fdef.threshold_of(tag.id):
            continue
        for other in fired:
            if other.split(":", 1)[0] == tag.facet:
                stats.conflicts[(other, tag.key)] += 1
