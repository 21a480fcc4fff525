"""Turning a validated Taxonomy into one PatternSet: rules, negative context, cues, code statements."""

from __future__ import annotations

from typing import Any

from triage.classify.matcher import PatternSet, acronym_regex, phrase_regex
from triage.classify.rules import Rule, Taxonomy

CUE = "_cue"
ASIDE = "_aside"
CODE = "_code"


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
        regex, open_end = phrase_regex(phrase)
        patterns.add(regex, mode="lower", bounded=True, open_end=open_end, negative=False, **meta)
    for acronym in rule.acronyms:
        regex, open_end = acronym_regex(acronym)
        patterns.add(regex, mode="exact", bounded=True, open_end=open_end, negative=False, **meta)
    for pattern in rule.patterns:
        patterns.add(pattern, mode="icase", bounded=False, negative=False, **meta)
    for phrase in rule.unless:
        regex, open_end = phrase_regex(phrase)
        patterns.add(regex, mode="lower", bounded=True, open_end=open_end, negative=True, **meta)


def _add_special(patterns: PatternSet, facet: str, tag: str, regexes: list[str]) -> None:
    for n, regex in enumerate(regexes):
        patterns.add(
            regex,
            mode="icase",
            bounded=False,
            negative=False,
            rule=f"{facet}:{tag}/{n}",
            facet=facet,
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
    for facet, cues in ((CUE, taxonomy.claim_cues), (ASIDE, taxonomy.aside_cues)):
        for cue in cues:
            regex, open_end = phrase_regex(cue)
            patterns.add(
                regex,
                mode="lower",
                bounded=True,
                open_end=open_end,
                negative=False,
                rule=f"{facet}/{cue}",
                facet=facet,
                tag=facet.strip("_"),
                weight=0.0,
                fields=frozenset({"abstract"}),
            )
    code = taxonomy.code
    _add_special(patterns, CODE, "available", code.available)
    _add_special(patterns, CODE, "promised", code.promised)
    _add_special(patterns, CODE, "project", code.project_statement)
    patterns.compile()
    return patterns
