"""The phrase automaton against the regex semantics it replaced: whole words, hyphen / space /
joined variants, plurals, prefixes, exact acronyms, and punctuation kept exact."""

from __future__ import annotations

import re

import pytest

from triage.classify.matcher import POSITIVE, PatternSet, phrase_keys, phrase_regex

META = {"rule": "t:x/r", "facet": "t", "tag": "x", "weight": 1.0, "fields": frozenset({"abstract"})}


def spans(text: str, phrase: str, acronym: bool = False) -> list[str]:
    patterns = PatternSet()
    patterns.add_phrase(phrase, kind=POSITIVE, acronym=acronym, **META)
    patterns.compile()
    return [text[s:e] for s, e, _ in patterns.hits(text, "abstract")]


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        (
            "graph neural network",
            "Graph-Neural Networks and graphneural network",
            ["Graph-Neural Networks", "graphneural network"],
        ),
        ("graph neural network", "subgraph neural network", []),
        ("quantiz*", "Quantized, quantization; requantize", ["Quantized", "quantization"]),
        ("theory", "theories and theoretical", ["theories"]),
        ("2:4 sparsity", "2:4 sparsity, not 2 4 sparsity or 2-4 sparsity", ["2:4 sparsity"]),
        ("c++", "C++ code, not C. elegans", ["C++"]),
        (".net", "ASP.NET and .NET, not a net", [".NET"]),
        ("experts''", "the experts'' votes; Mixture-of-Experts (MoE).", ["experts''"]),
        ("explain* the decision*", "It explains the decisions made", ["explains the decisions"]),
        ("mixture of experts", "a Mixture-of-Experts layer", ["Mixture-of-Experts"]),
    ],
)
def test_phrases_match_what_their_regex_matches(phrase: str, text: str, found: list[str]) -> None:
    assert spans(text, phrase) == found


@pytest.mark.parametrize(
    ("acronym", "text", "found"),
    [
        ("GNN", "GNNs beat gnn and GNN-based nets", ["GNNs", "GNN"]),
        ("C++", "written in C++ and C", ["C++"]),
        ("GPT-4", "GPT-4 and GPT 4 and gpt-4", ["GPT-4"]),
        ("KAN", "Kansas KAN kan", ["KAN"]),
    ],
)
def test_acronyms_keep_their_case_and_punctuation(acronym: str, text: str, found: list[str]) -> None:
    assert spans(text, acronym, acronym=True) == found


def test_offsets_survive_text_whose_lower_case_is_longer() -> None:
    text = "İİ graph neural networks İ"
    assert spans(text, "graph neural network") == ["graph neural networks"]


def test_long_phrases_do_not_spell_every_joined_form() -> None:
    keys, _ = phrase_keys("a b c d e f g h i j k l m n o p q r s t")
    assert len(keys) <= 4
    regex, _ = phrase_regex("graph neural network")
    assert re.fullmatch(regex, "graph-neural networks")


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("n:m sparsit* pattern", "N:M sparsity patterns", ["N:M sparsity patterns"]),
        ("green's function*", "the Green’s functions of", ["Green’s functions"]),
        ("kolmogorov–arnold", "Kolmogorov-Arnold networks", ["Kolmogorov-Arnold"]),
    ],
)
def test_punctuation_keeps_its_typographic_variants_and_wildcards(
    phrase: str, text: str, found: list[str]
) -> None:
    assert spans(text, phrase) == found


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("low-rank adapt* of large*", "low–rank adaptation of large models"),
        ("2:4 semi-structured", "2:4 semi–structured sparsity"),
        ("kolmogorov–arnold", "Kolmogorov−Arnold networks"),
        ("green's function*", "Green‘s functions"),
    ],
)
def test_any_dash_joins_the_words_of_a_phrase_with_punctuation(phrase: str, text: str) -> None:
    assert spans(text, phrase)
