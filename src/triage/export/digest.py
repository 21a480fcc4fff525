"""The Markdown digest (`--group-by FACET`): a heading per tag, a short entry per paper."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from triage.export.base import Item, Selection, arxiv_url
from triage.export.markdown import MarkdownWriter, code_links, md_link, md_text, score_text

LEAD_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def lead(abstract: str, limit: int = LEAD_CHARS) -> str:
    """The abstract's first sentence, cut at a word boundary when longer than `limit`."""
    text = " ".join(abstract.split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class DigestWriter(MarkdownWriter):
    """Holds the selection (already in memory for `export`) to group it; a paper with several tags
    in the facet appears under each, one with none under `(none)`."""

    def __init__(
        self, out: TextIO, facets: Iterable[str] = (), selection: Selection | None = None, group_by: str = ""
    ) -> None:
        super().__init__(out, facets, selection)
        self.group_by = group_by
        self.groups: dict[str, list[Item]] = {}

    def begin(self) -> None:
        self.heading("triage digest")

    def write(self, item: Item) -> None:
        for tag in item.tagged.tag_ids(self.group_by) or ["(none)"]:
            self.groups.setdefault(tag, []).append(item)

    def end(self) -> None:
        if not self.groups:
            self.out.write("No papers match.\n")
        ordered = sorted(self.groups.items(), key=lambda kv: (kv[0] == "(none)", -len(kv[1]), kv[0]))
        for tag, items in ordered:
            self.out.write(f"## {md_text(f'{self.group_by}: {tag}')} ({len(items)})\n\n")
            for item in items:
                self.entry(item, tag)
            self.out.write("\n")

    def entry(self, item: Item, group: str) -> None:
        tagged = item.tagged
        head = [f"**{md_link(tagged.paper.title, arxiv_url(tagged))}**"]
        head += [f"score {score_text(item)}"] if item.score is not None else []
        head += [md_text(item.status)] if item.status not in (None, "untriaged") else []
        code = code_links(item)
        head += [f"code: {code}"] if code and code != "none" else []
        # The other tags: not the heading's, not code (shown as a link), not the default kind.
        skip = {f"{self.group_by}:{group}", "kind:method"}
        tags = [t.id for t in tagged.tags if t.facet != "code" and t.key not in skip]
        lines = [" · ".join(head)]
        lines += [md_text(lead(tagged.paper.abstract))] if tagged.paper.abstract.strip() else []
        lines += [f"*tags: {md_text(', '.join(tags))}*"] if tags else []
        # A backslash at the end of a line is a hard line break in CommonMark / GFM.
        self.out.write("- " + "\\\n  ".join(lines) + "\n")
