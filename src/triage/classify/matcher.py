"""Compiling rules once into one Aho-Corasick automaton (phrases) plus a small RE2 set (regexes).

Phrases, acronyms, negative context and claim cues are literals once their variants are spelled
out (`graph neural network` -> `graph neural networks`, `graphneural network`, ...), so they go
into one automaton that reports every occurrence of every key, overlaps included, with its
offset, in a single pass whose cost does not grow with the number of rules. Word boundaries are
part of the keys: the text is scanned in a *folded* form, lower-cased with every non-word
character turned into a space (offsets unchanged), and a key is ` phrase ` with the spaces that
stand for its boundaries. Only user regular expressions (and phrases with a `*` inside) go to an
RE2 set, which is then small; the few it reports are located with `finditer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from operator import itemgetter
from typing import Any

import ahocorasick
import re2

_QUIET = re2.Options()
_QUIET.log_errors = False
_UPPER = re.compile(r"[A-Z]")
_ESCAPE = re.compile(r"\\.")
_COUNTED = re.compile(r"(?<!\\)\{\d+(?:,\d*)?\}\??")
# Folding: ASCII upper -> lower is done by str.lower; every ASCII non-word character -> space here
# (str.translate's fast path for ASCII text); other non-word characters by _NON_ASCII_NON_WORD.
_FOLD = str.maketrans({chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")})
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f]")
# The same for ASCII text as UTF-8 bytes (bytes.translate is a plain table look-up).
_FOLD_BYTES = bytes(32 if i in _FOLD else i for i in range(256))
_PUNCTUATION = re.compile(r"[^\w\s*-]")  # in a phrase: needs an exact check after the key
JOINED_WORDS = 5


def is_word(ch: str) -> bool:
    """A character of a word (letter, digit or underscore), as `\\w` reads it."""
    return ch.isalnum() or ch == "_"


def lower_keep_offsets(text: str) -> str:
    """Lower-case without moving offsets (a few characters grow when lower-cased; keep those)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def fold(lowered: str) -> str:
    """Lower-cased text with each non-word character as a space, padded with one space each side
    (so offsets in the result are the original's plus one)."""
    folded = lowered.translate(_FOLD)
    if not folded.isascii():
        folded = _NON_ASCII_NON_WORD.sub(" ", folded)
    return f" {folded} "


def _plural_forms(word: str) -> list[str]:
    if not word[-1].isalpha():
        return [word]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return [word, word[:-1] + "ies"]
    if word.endswith(("s", "x", "ch", "sh")):
        return [word, word + "es"]
    return [word, word + "s"]


def _key(spelled: str, open_end: bool) -> str:
    """The automaton key of one spelling: folded, with a space for each word boundary."""
    folded = fold(spelled.lower())[1:-1]
    head = " " if is_word(spelled[0]) else ""
    tail = " " if is_word(spelled[-1]) and not open_end else ""
    return head + folded + tail


def phrase_keys(phrase: str) -> tuple[list[str], bool]:
    """`graph neural network` -> keys for words joined by space, hyphen or nothing, the last word
    plural-aware; a trailing `*` makes the last word a prefix (`quantiz*`: quantized,
    quantization). Returns the keys and whether the phrase is open-ended."""
    words = phrase.lower().replace("-", " ").split()
    open_end = words[-1].endswith("*")
    lasts = [words[-1][:-1]] if open_end else _plural_forms(words[-1])
    keys = []
    for last in lasts:
        spelled = [*words[:-1], last]
        # Joined forms ("pretraining", "dataset") for phrases of up to JOINED_WORDS words: the
        # number of spellings doubles with each word, and long phrases are not written joined.
        joined = ((" ", ""),) if len(spelled) <= JOINED_WORDS else ((" ",),)
        for joins in product(*(joined * (len(spelled) - 1))):
            text = spelled[0] + "".join(j + w for j, w in zip(joins, spelled[1:], strict=True))
            keys.append(_key(text, open_end))
    return list(dict.fromkeys(keys)), open_end


def has_inner_wildcard(phrase: str) -> bool:
    return "*" in phrase.rstrip("*")


# Typographic variants a phrase's punctuation also matches: Green's / Green’s, en and em dashes.
_APOSTROPHES = "['‘’]"
_DASHES = "[-‐‑–—−]"
_SAME_MARK = {"'": _APOSTROPHES, "‘": _APOSTROPHES, "’": _APOSTROPHES, "–": _DASHES, "—": _DASHES}
_JOIN = r"(?:[-‐‑–—−]|\s)?"  # between a phrase's words: a space, any dash, or nothing


def _escape(text: str) -> str:
    return "".join(_SAME_MARK.get(ch) or re.escape(ch) for ch in text)


def _word_regex(word: str, last: bool) -> str:
    if word.endswith("*"):
        return _escape(word[:-1]) + r"\w*"
    if not last or not word[-1].isalpha():
        return _escape(word)
    forms = _plural_forms(word)
    return "(?:" + "|".join(_escape(f) for f in sorted(forms, key=len, reverse=True)) + ")"


def phrase_regex(phrase: str) -> tuple[str, bool]:
    """The regex (for lower-cased text) equivalent of a phrase, for phrases with a `*` inside a
    word sequence (`explain* the decision*`), which no literal key can spell."""
    words = phrase.lower().replace("-", " ").split()
    parts = [_word_regex(w, i == len(words) - 1) for i, w in enumerate(words)]
    return _JOIN.join(parts), phrase.endswith("*")


POSITIVE, NEGATIVE, CUE, ASIDE, CODE = range(5)


@dataclass(frozen=True, slots=True, eq=False)
class Pattern:
    """One compiled pattern and what it stands for."""

    rule: str  # full rule id, e.g. method:pruning/prune-words
    facet: str
    tag: str
    weight: float
    fields: frozenset[str]
    kind: int = POSITIVE  # POSITIVE, NEGATIVE (a rule's `unless`), CUE, ASIDE or CODE
    key: tuple[str, str] = ("", "")  # (facet, tag), set from the two
    # Decides on each occurrence the automaton reports: (text, lowered, start, end) -> the span,
    # or None (an acronym's exact case; the rest of a phrase with a `*` inside).
    check: Any = None
    window: int = 0
    open_end: bool = False  # a prefix phrase (`quantiz*`)


class PatternSet:
    """All patterns of a taxonomy: literals in one automaton, regexes in one RE2 set.

    `hits(text, field)` gives, for every pattern that occurs, the start and end of each
    occurrence; `split_hits` the same with the positive patterns' occurrences apart.
    """

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []
        self._keys: dict[str, list[int]] = {}
        self._regex_sources: list[str] = []
        self._regex_ids: list[int] = []
        self._locators: list[Any] = []
        self._lower: list[bool] = []
        self._automaton: Any = None
        self._set: Any = None

    def add_phrase(self, phrase: str, **meta: Any) -> None:
        """A phrase (case-insensitive, variants spelled out) or, with `acronym=True`, an acronym:
        case-sensitive, with an optional plural `s` (`GNN`: GNN, GNNs, GNN-based)."""
        if meta.pop("acronym", False):
            # The key finds the letters case-blind; the acronym's own regex, anchored there on
            # the original text, decides (exact case, its punctuation: `C++`, `GPT-4`).
            index = len(self.patterns)
            if phrase.isalnum():  # the key's boundaries are exact: compare the case of the letters
                check = _same_case(phrase)
            else:
                check = _anchored(re.compile(re.escape(phrase) + r"s?(?!\w)"), original=True)
            self.patterns.append(_pattern(check=check, **meta))
            for key in dict.fromkeys((_key(phrase, False), _key(phrase + "s", False))):
                self._keys.setdefault(key, []).append(index)
            return
        if _PUNCTUATION.search(phrase) or has_inner_wildcard(phrase):
            # `2:4 sparsity`, `.net`, `explain* the decision*`: the automaton finds a literal
            # start (punctuation folded to spaces, up to the first `*`), and the phrase's regex,
            # anchored there, decides and gives the end.
            regex, open_end = phrase_regex(phrase)
            anchored = re.compile(f"(?:{regex})" + ("" if open_end else r"(?!\w)"))
            words = phrase.split()
            head = next((i for i, w in enumerate(words) if w.endswith("*")), len(words) - 1)
            # A key reports the start of the first word; leading punctuation (`.net`) is before it.
            lead = len(phrase) - len(phrase.lstrip("".join(c for c in phrase if not is_word(c))))
            index = len(self.patterns)
            self.patterns.append(_pattern(check=_anchored(anchored, lead=lead), **meta))
            for key in phrase_keys(" ".join(words[: head + 1]))[0]:
                self._keys.setdefault(key, []).append(index)
            return
        index = len(self.patterns)
        keys, open_end = phrase_keys(phrase)
        self.patterns.append(_pattern(open_end=open_end, **meta))
        for key in keys:
            self._keys.setdefault(key, []).append(index)

    def add_regex(self, regex: str, **meta: Any) -> None:
        """A user's regular expression: case-insensitive, no implied word boundaries. RE2 finds
        it in linear time whatever its alternations and repetitions."""
        index = len(self.patterns)
        self.patterns.append(_pattern(**meta))
        loose = _COUNTED.sub("*", regex)  # x{0,80} -> x*: a superset, and far cheaper for the DFA
        self._regex_sources.append(f"(?i)(?:{loose})")
        # Located on the lower-cased text when the regex has no upper-case letter of its own.
        lower = not _UPPER.search(_ESCAPE.sub("", regex))
        self._locators.append(re2.compile(f"(?:{regex})" if lower else f"(?i)(?:{regex})", _QUIET))
        self._lower.append(lower)
        self._regex_ids.append(index)

    def compile(self) -> None:
        automaton = ahocorasick.Automaton()
        for key, ids in self._keys.items():
            # The automaton reports where a key ends in the padded text (offsets: original + 1).
            # A leading space stands for the boundary before the match, a trailing one for the
            # boundary after it; a prefix (`quantiz*`, forward -1) runs on to the end of its word.
            back = len(key) - 1 if key.startswith(" ") else len(key)
            forward = 1 if key.endswith(" ") else 0
            if not key.endswith(" ") and any(self.patterns[i].open_end for i in ids):
                forward = -1
            by_field: dict[str, tuple[Pattern, ...]] = {}
            for i in ids:
                for name in self.patterns[i].fields:
                    by_field[name] = (*by_field.get(name, ()), self.patterns[i])
            # Per field: the patterns, and whether they are all plain phrases (the common case:
            # a positive phrase whose key alone decides), which go straight to the positives.
            entries = {
                name: (pats, all(p.kind == POSITIVE and p.check is None for p in pats))
                for name, pats in by_field.items()
            }
            automaton.add_word(key, (back, forward, entries))
        if self._keys:
            automaton.make_automaton()
            self._automaton = automaton
        if self._regex_sources:
            options = re2.Options()
            options.max_mem = 64 << 20
            search = re2.Set.SearchSet(options)
            for source in self._regex_sources:
                search.Add(source)
            search.Compile()
            self._set = search

    def __len__(self) -> int:
        return len(self.patterns)

    @property
    def keys(self) -> int:
        """How many literal keys the automaton holds (each phrase's spelled-out variants)."""
        return len(self._keys)

    def hits(self, text: str, field: str) -> list[tuple[int, int, Pattern]]:
        """Every occurrence in `text` of every pattern that applies to `field`, as (start, end,
        pattern) in the order the occurrences end: whole words only (a prefix pattern runs to the
        end of its word), acronyms in their exact case."""
        found: list[tuple[int, int, Pattern]] = []
        self._collect(text, field, found, found)
        return found

    def split_hits(
        self, text: str, field: str
    ) -> tuple[list[tuple[int, int, Pattern]], list[tuple[int, int, Pattern]]]:
        """`hits`, split into the POSITIVE patterns' occurrences and the rest (cues, asides,
        negative context, code statements; few), each in the order `hits` gives them."""
        positives: list[tuple[int, int, Pattern]] = []
        others: list[tuple[int, int, Pattern]] = []
        self._collect(text, field, positives, others)
        return positives, others

    def _collect(
        self,
        text: str,
        field: str,
        positives: list[tuple[int, int, Pattern]],
        others: list[tuple[int, int, Pattern]],
    ) -> None:
        """Append the occurrences of POSITIVE patterns to `positives` and the rest to `others`
        (which may be the same list), each list in the order of `hits`."""
        if not text:
            return
        lowered = lower_keep_offsets(text)
        # ASCII text (nearly all) is folded and searched by RE2 as bytes, encoded once here (the
        # RE2 wrapper would encode a str at each call and convert the offsets of each match).
        ascii = lowered.isascii()
        encoded = lowered.encode() if ascii else b""
        if self._automaton is not None:
            folded = f" {encoded.translate(_FOLD_BYTES).decode('ascii')} " if ascii else fold(lowered)
            add = positives.append
            for end, (back, forward, entries) in self._automaton.iter(folded):
                entry = entries.get(field)
                if entry is None:
                    continue
                pats, plain = entry
                start = end - back
                stop = end - forward if forward >= 0 else folded.find(" ", end + 1) - 1
                if plain:
                    for p in pats:
                        add((start, stop, p))
                    continue
                for p in pats:
                    found = positives if p.kind == POSITIVE else others
                    if p.check is None:
                        found.append((start, stop, p))
                    else:
                        span = p.check(text, lowered, start, stop)
                        if span is not None:
                            found.append((*span, p))
        if self._set is not None:
            matched = self._set.Match(encoded if ascii else lowered)
            if matched:
                haystack = encoded if ascii else lowered  # for the regexes without upper case
                located = [hit for k in matched for hit in self._locate(k, text, haystack, field)]
                if located:
                    # In the order the occurrences start (stable: literals first at equal spans).
                    for hit in located:
                        (positives if hit[2].kind == POSITIVE else others).append(hit)
                    positives.sort(key=_span)
                    if others is not positives:
                        others.sort(key=_span)

    def _locate(self, k: int, text: str, lowered: str | bytes, field: str) -> list[tuple[int, int, Pattern]]:
        """Where regex `k` occurs, on the lower-cased text (`lowered`: as bytes when ASCII) or,
        for a regex with upper-case letters of its own, on the text itself."""
        pattern = self.patterns[self._regex_ids[k]]
        if field not in pattern.fields:
            return []
        haystack: str | bytes = lowered
        if not self._lower[k]:
            haystack = text.encode() if text.isascii() else text
        if pattern.kind == CODE:  # a statement counts once: its first occurrence is enough
            first = self._locators[k].search(haystack)
            return [] if first is None else [(*first.span(), pattern)]
        return [(*m.span(), pattern) for m in self._locators[k].finditer(haystack)]


def _same_case(acronym: str) -> Any:
    """A check that the occurrence is written as the acronym is (or with a plural `s`)."""
    forms = {acronym, acronym + "s"}

    def check(text: str, lowered: str, start: int, end: int) -> tuple[int, int] | None:
        return (start, end) if text[start:end] in forms else None

    return check


def _anchored(regex: re.Pattern[str], original: bool = False, lead: int = 0) -> Any:
    """A check that runs `regex` where the automaton's key starts, `lead` characters earlier (on
    the lower-cased text, or the original for an acronym's case) and gives the span it matches,
    whole words only."""

    def check(text: str, lowered: str, start: int, end: int) -> tuple[int, int] | None:
        start -= lead
        if start < 0 or (start and is_word(lowered[start - 1])):
            return None  # a phrase that starts with punctuation still starts a word
        found = regex.match(text if original else lowered, start)
        return (start, found.end()) if found else None

    return check


def _pattern(**meta: Any) -> Pattern:
    return Pattern(key=(meta["facet"], meta["tag"]), **meta)


_span = itemgetter(0, 1)  # a hit's (start, end)
