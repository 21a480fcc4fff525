"""BibTeX: a `@misc` entry per paper with authors and a year; a `% skipped:` line for the rest.

Keys are `lastname` + `year` + first title word (`ma2025bilingual`), ASCII only, so the same
paper gets the same key in every export; when two papers in one export would share a key, the
later one gets its id appended. Scraped text is escaped for LaTeX, and `@` never appears outside
an entry (BibTeX starts an entry at any `@`, comment or not).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

from triage.export.base import Item, Selection, Writer
from triage.text import UNSAFE_CHARS

_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _LATEX))
_STOPWORDS = frozenset(
    ["a", "an", "the", "on", "of", "for", "in", "to", "with", "and", "via", "towards", "is", "how", "what"]
)


def latex(text: str) -> str:
    """One line of text with every LaTeX special character escaped."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], " ".join(UNSAFE_CHARS.sub(" ", text).split()))


def comment(text: str) -> str:
    """A `%` line that stays a comment: one line, and no `@` to start an entry."""
    return "% " + " ".join(UNSAFE_CHARS.sub(" ", text).split()).replace("@", "(at)")


def ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def base_key(item: Item) -> str:
    p = item.tagged.paper
    last = ascii_word(p.authors[0].split()[-1]) if p.authors and p.authors[0].split() else ""
    words = [w for w in (ascii_word(w) for w in p.title.split()) if w and w not in _STOPWORDS]
    year = str(p.published.year) if p.published else ""
    return (last or "anon") + year + (words[0] if words else "")


def missing(item: Item) -> list[str]:
    p = item.tagged.paper
    gaps = [] if any(a.strip() for a in p.authors) else ["no authors"]
    gaps += [] if p.published else ["no publication date"]
    return gaps + ([] if p.title.strip() else ["no title"])


class BibtexWriter(Writer):
    def __init__(self, out: TextIO, facets: Iterable[str] = (), selection: Selection | None = None) -> None:
        super().__init__(out, facets, selection)
        self.keys: set[str] = set()

    def begin(self) -> None:
        summary = self.selection.summary()
        if summary:
            self.out.write(comment(f"triage export: {summary}") + "\n\n")

    def key(self, item: Item) -> str:
        key = base_key(item)
        if key in self.keys:
            key += "-" + ascii_word(item.tagged.paper.id)
        self.keys.add(key)
        return key

    def write(self, item: Item) -> None:
        p = item.tagged.paper
        gaps = missing(item)
        if gaps:
            self.out.write(comment(f"skipped: {p.id} {p.title!r}: {', '.join(gaps)}") + "\n")
            return
        assert p.published is not None  # missing() checked it
        fields = [
            ("title", "{" + latex(p.title) + "}"),
            ("author", " and ".join(_author(a) for a in p.authors if a.strip())),
            ("year", str(p.published.year)),
        ]
        if p.arxiv_id:
            fields += [("eprint", latex(p.arxiv_id)), ("archivePrefix", "arXiv")]
            categories = p.extra.get("categories")
            if isinstance(categories, list) and categories and isinstance(categories[0], str):
                fields.append(("primaryClass", latex(categories[0])))
        url = _url(item)
        fields += [("url", url)] if url else []
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        self.out.write(f"@misc{{{self.key(item)},\n{body}\n}}\n\n")


def _author(name: str) -> str:
    """One author; braced when the name itself holds ` and `, which would split it in two."""
    text = latex(name)
    return "{" + text + "}" if re.search(r"\band\b", text, re.I) else text


def _url(item: Item) -> str | None:
    """The arXiv page, else the paper's first http(s) URL. URL fields are read verbatim by
    biblatex and `\\url`, so they are percent-encoded rather than LaTeX-escaped."""
    p = item.tagged.paper
    url = f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else None
    url = url or next((u for u in p.urls if re.match(r"https?://", u, re.I)), None)
    return None if url is None else quote(url, safe="/:?#&=%@+,;~.-_!*'()$")
