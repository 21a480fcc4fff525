"""JSON Lines: one full record per paper (Paper fields, tags, links, scores, evidence)."""

from __future__ import annotations

import json

from triage.export.base import Writer
from triage.models import TaggedPaper


class JsonlWriter(Writer):
    def write(self, paper: TaggedPaper) -> None:
        self.out.write(json.dumps(paper.record(self.facets), ensure_ascii=False) + "\n")
