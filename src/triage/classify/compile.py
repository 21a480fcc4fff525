"""Turning a validated Taxonomy into a PatternSet: rules, negative context, cues, code statements."""

from __future__ import annotations

from typing import Any

from triage.classify.matcher import ASIDE, CODE, CUE, NEGATIVE, POSITIVE, PatternSet
from triage.classify.rules import Rule, Taxonomy

CUE_FACET = "_cue"
ASIDE_FACET = "_aside"
CODE_FACET = "_code"


def _add_rule(patterns: PatternSet, facet: str, tag: str, rule: Rule) -> None:
    rule_id = f"{facet}:{tag}/{rule.id}"
    meta: dict[str, Any] = {
        "rule": rule_id,
        "facet": facet,
        "tag": tag,
        "weight": rule.weight,
        "fields": frozenset(rule.fields),
        "window": rule.window,
    }
    for phrase in rule.phrases:
        patterns.add_phrase(phrase, kind=POSITIVE, **meta)
    for acronym in rule.acronyms:
        patterns.add_phrase(acronym, acronym=True, kind=POSITIVE, **meta)
    for pattern in rule.patterns:
        patterns.add_regex(pattern, kind=POSITIVE, **meta)
    for phrase in rule.unless:
        patterns.add_phrase(phrase, kind=NEGATIVE, **meta)


def _add_code(patterns: PatternSet, tag: str, regexes: list[str]) -> None:
    for n, regex in enumerate(regexes):
        patterns.add_regex(
            regex,
            kind=CODE,
            rule=f"code:{tag}/{n}",
            facet=CODE_FACET,
            tag=tag,
            weight=1.0,
            fields=frozenset({"title", "abstract", "comments"}),
        )


def compile_taxonomy(taxonomy: Taxonomy) -> PatternSet:
    """Every rule phrase, acronym, pattern and negative, plus claim cues and code statements."""
    patterns = PatternSet()
    for facet, fdef in taxonomy.facets.items():
        for tag, tdef in fdef.tags.items():
            for rule in tdef.rules:
                _add_rule(patterns, facet, tag, rule)
    for kind, facet, cues in (
        (CUE, CUE_FACET, taxonomy.claim_cues),
        (ASIDE, ASIDE_FACET, taxonomy.aside_cues),
    ):
        for cue in cues:
            patterns.add_phrase(
                cue,
                kind=kind,
                rule=f"{facet}/{cue}",
                facet=facet,
                tag=facet.strip("_"),
                weight=0.0,
                fields=frozenset({"abstract"}),
            )
    code = taxonomy.code
    _add_code(patterns, "available", code.available)
    _add_code(patterns, "promised", code.promised)
    _add_code(patterns, "denied", code.denied)
    _add_code(patterns, "project", code.project_statement)
    patterns.compile()
    return patterns
