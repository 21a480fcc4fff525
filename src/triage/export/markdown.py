"""GitHub-flavoured Markdown table; scraped text is escaped so the table never breaks."""

from __future__ import annotations

import re

from triage.export.base import Item, Writer, joined

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_cell(text: str) -> str:
    """One table cell: no newlines, HTML made inert, Markdown punctuation and pipes escaped."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_link(label: str, url: str | None) -> str:
    if not url:
        return ""
    safe = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("|", "%7C")
    return f"[{label}]({safe})"


class MarkdownWriter(Writer):
    def begin(self) -> None:
        self.out.write("| title | domain | method | kind | code |\n|---|---|---|---|---|\n")

    def write(self, item: Item) -> None:
        paper = item.tagged
        code = joined(paper, "code")
        link = md_link(code, paper.code_url) or md_link(code, paper.project_url) or code
        cells = [
            md_cell(paper.paper.title),
            joined(paper, "domain"),
            joined(paper, "method"),
            joined(paper, "kind"),
            link,
        ]
        self.out.write("| " + " | ".join(cells) + " |\n")
