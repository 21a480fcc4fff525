"""JSON Lines and JSON: full records (Paper fields, tags, links, scores, evidence, decision)."""

from __future__ import annotations

import json

from triage.export.base import Item, Writer


class JsonlWriter(Writer):
    def write(self, item: Item) -> None:
        self.out.write(json.dumps(item.record(self.facets), ensure_ascii=False) + "\n")


class JsonWriter(Writer):
    """One JSON array, written as it goes (no need to hold every record)."""

    def begin(self) -> None:
        self.out.write("[")
        self.first = True

    def write(self, item: Item) -> None:
        self.out.write(
            ("\n" if self.first else ",\n") + json.dumps(item.record(self.facets), ensure_ascii=False)
        )
        self.first = False

    def end(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")
