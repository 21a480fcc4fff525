"""Compiling rules once into one RE2 set (every pattern reported, overlaps included) and locators.

Detection runs the RE2 set over each field in a single pass. Only the few patterns that matched
are then located with Python `re` on lower-cased text, where a literal prefix keeps the search
fast; that gives the offsets and matched text every piece of evidence carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import re2

_QUIET = re2.Options()
_QUIET.log_errors = False
_UPPER = re.compile(r"[A-Z]")
_ESCAPE = re.compile(r"\\.")
_COUNTED = re.compile(r"(?<!\\)\{\d+(?:,\d*)?\}\??")


def _word_regex(word: str, last: bool) -> str:
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    escaped = re.escape(word)
    if not last or not word[-1].isalpha():
        return escaped
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    if word.endswith(("s", "x", "ch", "sh")):
        return escaped + "(?:es)?"
    return escaped + "s?"


def phrase_regex(phrase: str) -> tuple[str, bool]:
    """`graph neural network` -> words joined by space, hyphen or nothing, last word plural-aware.

    A trailing `*` makes the last word a prefix (`quantiz*` matches quantized, quantization).
    Returns the regex (for lower-cased text) and whether it is open-ended (a prefix).
    """
    words = phrase.lower().replace("-", " ").split()
    parts = [_word_regex(w, i == len(words) - 1) for i, w in enumerate(words)]
    return r"[-\s]?".join(parts), phrase.endswith("*")


def acronym_regex(acronym: str) -> tuple[str, bool]:
    """Case-sensitive acronym with an optional plural: `GNN` matches GNN, GNNs, GNN-based."""
    return re.escape(acronym) + "s?", False


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern and what it stands for."""

    rule: str  # full rule id, e.g. method:pruning/prune-words
    facet: str
    tag: str
    weight: float
    fields: frozenset[str]
    negative: bool
    lower: bool  # located on lower-cased text (phrases, case-insensitive patterns)
    locator: Any  # a compiled re or re2 pattern: finditer(text) -> matches with start()/end()
    bounded: bool = True
    window: int = 0


def lower_keep_offsets(text: str) -> str:
    """Lower-case without moving offsets (a few characters grow when lower-cased; keep those)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


class PatternSet:
    """All patterns of a taxonomy in one RE2 set; `match` gives ids, `locate` gives offsets.

    The set runs once over the lower-cased text and is a prefilter: every entry is
    case-insensitive and carries only a leading word boundary, which keeps RE2's DFA small and
    fast. `locate`, which is exact (case-sensitive acronyms, trailing word boundaries), decides
    what counts; it runs only for the few patterns the set reported.
    """

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []
        self._sources: list[str] = []
        self._set: Any = None

    def add(self, regex: str, *, mode: str, bounded: bool, open_end: bool = False, **meta: Any) -> None:
        """Add a pattern.

        mode `lower`: regex written for lower-cased text, located there (phrases); `exact`:
        case-sensitive, located on the original text (acronyms); `icase`: a user's regular
        expression, case-insensitive on the original. `bounded`: the match starts at a word
        boundary and, unless `open_end` (a prefix such as `quantiz*`), ends at one.
        """
        # A case-insensitive regex with no upper-case letter of its own is located on the
        # lower-cased text without IGNORECASE, which Python's re scans several times faster.
        lower = mode == "lower" or (mode == "icase" and not _UPPER.search(_ESCAPE.sub("", regex)))
        loose = _COUNTED.sub("*", regex)  # x{0,80} -> x*: a superset, and far cheaper for the DFA
        self._sources.append(
            ("" if mode == "lower" else "(?i)") + (r"\b" if bounded else "") + f"(?:{loose})"
        )
        local = f"(?:{regex})" + (r"(?!\w)" if bounded and not open_end else "")
        if mode == "icase":
            # A user's regex may alternate and repeat freely; RE2 finds it in linear time where
            # Python's re can take tens of microseconds per text. Phrases and acronyms start
            # with a literal, which Python's re finds fastest.
            locator: Any = re2.compile(local if lower else f"(?i){local}", _QUIET)
        else:
            locator = re.compile(local)
        self.patterns.append(Pattern(locator=locator, lower=lower, bounded=bounded, **meta))

    def compile(self) -> None:
        options = re2.Options()
        options.max_mem = 256 << 20
        search = re2.Set.SearchSet(options)
        for source in self._sources:
            search.Add(source)
        search.Compile()
        self._set = search

    def match(self, lowered: str) -> list[int]:
        """Ids of the patterns that may match (every one that does is among them).

        Takes the lower-cased text (`lower_keep_offsets`), shared with `locate`.
        """
        if not lowered or self._set is None:
            return []
        return self._set.Match(lowered) or []

    def locate(self, index: int, text: str, lowered: str) -> list[tuple[int, int]]:
        """Start and end of each occurrence of pattern `index` (whole words where it is bounded)."""
        pattern = self.patterns[index]
        haystack = lowered if pattern.lower else text
        spans = []
        for m in pattern.locator.finditer(haystack):
            start = m.start()
            if pattern.bounded and start and (haystack[start - 1].isalnum() or haystack[start - 1] == "_"):
                continue
            spans.append((start, m.end()))
        return spans
