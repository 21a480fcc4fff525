"""GitHub-flavoured Markdown table; scraped text is escaped so the table never breaks.

Everything scraped goes through `md_text` (one line, HTML inert, Markdown punctuation escaped)
and every link through `md_link` (http(s) only, percent-encoded), so a title can neither end
a table row, open a tag, start a heading nor smuggle in a `javascript:` link.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from triage.export.base import Item, Writer, arxiv_url, joined
from triage.text import UNSAFE_CHARS

# `$` starts math on GitHub; `<`, `>` and `&` become entities before this runs.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$])")
TABLE_COLUMNS = ("title", "published", "score", "domain", "method", "kind", "code", "status")


def md_text(text: str) -> str:
    """Inline text: one line, HTML made inert, Markdown punctuation and pipes escaped."""
    text = " ".join(UNSAFE_CHARS.sub(" ", text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


md_cell = md_text  # a table cell is inline text (the name the classify tests know)


def md_link(label: str, url: str | None) -> str:
    """`[label](url)` for an http(s) URL, else the escaped label alone ("" without a label)."""
    if not url or not re.match(r"https?://", url, re.I):
        return md_text(label)
    safe = quote(url, safe="/:?#&=%@+,;~.-_!*'")
    safe = safe.replace("(", "%28").replace(")", "%29").replace("*", "%2A").replace("'", "%27")
    return f"[{md_text(label)}]({safe})"


def code_links(item: Item) -> str:
    """`[available](repo)`, plus `· [project](page)`; the bare availability when there is no link."""
    tagged = item.tagged
    code = joined(tagged, "code")
    cell = md_link(code, tagged.code_url)
    if tagged.project_url:
        cell += (" · " if cell else "") + md_link("project", tagged.project_url)
    return cell


def score_text(item: Item) -> str:
    return "" if item.score is None else f"{item.score:.2f}"


class MarkdownWriter(Writer):
    """A heading saying what was selected, then one table row per paper."""

    def begin(self) -> None:
        self.heading("triage export")
        self.out.write("| " + " | ".join(TABLE_COLUMNS) + " |\n")
        self.out.write("|" + "---|" * len(TABLE_COLUMNS) + "\n")

    def heading(self, name: str) -> None:
        if self.selection.description or self.selection.count is not None:
            self.out.write(f"# {name}: {md_text(self.selection.description or 'all papers')}\n\n")
            self.out.write(md_text(self.selection.summary()) + "\n\n")

    def write(self, item: Item) -> None:
        tagged = item.tagged
        p = tagged.paper
        cells = [
            md_link(p.title, arxiv_url(tagged)),
            p.published.isoformat() if p.published else "",
            score_text(item),
            md_text(", ".join(tagged.tag_ids("domain"))),
            md_text(", ".join(tagged.tag_ids("method"))),
            md_text(", ".join(tagged.tag_ids("kind"))),
            code_links(item),
            md_text(item.status or ""),
        ]
        self.out.write("| " + " | ".join(cells) + " |\n")
