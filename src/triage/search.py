"""Narrowing `list --query` with the store's full-text index (SQLite FTS5, see store.SEARCH_SCHEMA).

The fuzzy score (query.Library._fuzzy) decides what matches; on a large store this module first
picks the papers worth scoring. Each query word, split and folded exactly as the index's own
tokenizer does it, must appear in a paper as itself, a close stored word (a typo), a stored word
it begins (`distill`: distillation), a stored word followed by what stands for the rest
(`pretraining`: pre-training, pre-trained), or joined with the next query word (`multi-modal`:
multimodal; `x-ray`: xray).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from bisect import bisect_left

TOKENIZE = "unicode61 remove_diacritics 2"  # the index's tokenizer; queries are split the same way
CLOSE = 75.0  # how close (rapidfuzz ratio) a stored word must be to a query word
LONG = 3  # words this long or longer get typo, prefix and split alternatives
# Scripts written without spaces between words: the tokenizer keeps a whole run as one token, so
# part of a sentence could never match it; such queries score every paper instead.
UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def query_words(query: str) -> list[str]:
    """The query's words in order, as the index's tokenizer splits and folds them (after NFKC:
    text pasted from a PDF carries ligatures such as `ﬁ` that papers' abstracts spell out)."""
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute(f"CREATE VIRTUAL TABLE q USING fts5(t, tokenize='{TOKENIZE}')")
        memory.execute("CREATE VIRTUAL TABLE words USING fts5vocab(q, 'instance')")
        memory.execute("INSERT INTO q (t) VALUES (?)", (unicodedata.normalize("NFKC", query),))
        return [str(r[0]) for r in memory.execute("SELECT term FROM words ORDER BY offset")]
    finally:
        memory.close()


def match_expression(db: sqlite3.Connection, query: str) -> str | None:
    """The FTS5 expression for the papers worth scoring, "" when no paper can match, or None
    when the index cannot narrow this query (score every paper)."""
    if UNSPACED.search(query):
        return None
    words = query_words(query)
    vocabulary = _Vocabulary(db)
    parts: list[str] = []
    short: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        together = words[i] + words[i + 1] if i + 1 < len(words) else ""
        if together and vocabulary.stored(together):
            first, second = vocabulary.alternatives(word), vocabulary.alternatives(words[i + 1])
            apart = f"({first} AND {second}) OR " if first and second else ""
            parts.append(f"({apart}{_quoted(together)})")
            i += 2
            continue
        if len(word) < LONG:
            short.append(word)  # "a", "on", "RL": too common or too short to narrow alone
        else:
            alternatives = vocabulary.alternatives(word)
            if not alternatives:
                return ""  # a word no paper contains in any form: nothing to score
            parts.append(alternatives)
        i += 1
    if not parts:  # only short words: each must appear as written
        parts = [vocabulary.alternatives(word) for word in short]
        if not all(parts):
            return ""
    return " AND ".join(dict.fromkeys(parts)) or None


class _Vocabulary:
    """The index's stored words, read once per first letter for one query."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._by_first: dict[str, list[str]] = {}
        self._alternatives: dict[str, str] = {}

    def starting(self, letter: str) -> list[str]:
        """Every stored word beginning with `letter`, sorted."""
        if letter not in self._by_first:
            rows = self.db.execute(
                "SELECT term FROM search_terms WHERE term >= ? AND term < ?", (letter, chr(ord(letter) + 1))
            )
            self._by_first[letter] = sorted(str(r[0]) for r in rows)
        return self._by_first[letter]

    def stored(self, word: str) -> bool:
        terms = self.starting(word[0])
        at = bisect_left(terms, word)
        return at < len(terms) and terms[at] == word

    def begins(self, word: str) -> bool:
        """Whether a longer stored word begins with `word`."""
        terms = self.starting(word[0])
        at = bisect_left(terms, word)
        at += at < len(terms) and terms[at] == word
        return at < len(terms) and terms[at].startswith(word)

    def close(self, word: str, shortest: int = 1) -> list[str]:
        """FTS5 terms for the stored words close to `word` (same first letter, at least
        `shortest` long) and, for a word of four letters or more, those it begins."""
        from rapidfuzz import fuzz, process

        found = process.extract(
            word, self.starting(word[0]), scorer=fuzz.ratio, score_cutoff=CLOSE, limit=None
        )
        options = [_quoted(term) for term, _, _ in found if len(term) >= shortest]
        if len(word) >= 4 and self.begins(word):
            options.append(_quoted(word) + "*")
        return options

    def alternatives(self, word: str) -> str:
        """`(...)`: what stands for a query word in a paper, or "" for nothing at all. A word
        shorter than LONG letters stands only for itself."""
        if word not in self._alternatives:
            if len(word) < LONG:
                options = [_quoted(word)] if self.stored(word) else []
            else:
                options = self.close(word)
                for cut in range(1, len(word) - LONG + 1):
                    head, tail = word[:cut], word[cut:]
                    if not self.stored(head):
                        continue
                    # After a one-letter head (x-ray) only the exact rest; else the rest's variants.
                    if cut > 1:
                        rest = self.close(tail, shortest=LONG)
                    else:
                        rest = [_quoted(tail)] if self.stored(tail) else []
                    if rest:
                        options.append(f"({_quoted(head)} AND ({' OR '.join(rest)}))")
            self._alternatives[word] = "(" + " OR ".join(options) + ")" if options else ""
        return self._alternatives[word]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'
