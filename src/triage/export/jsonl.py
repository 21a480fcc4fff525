"""JSON Lines and JSON: full records (Paper fields, tags, links, scores, evidence, decision)."""

from __future__ import annotations

import json
from typing import Any

from triage.export.base import Item, Writer
from triage.text import UNSAFE_CHARS

# json.dumps escapes C0 controls; these pass through raw with ensure_ascii=False, and a terminal
# may act on them (C1 CSI, bidi overrides). As \uXXXX escapes the JSON still decodes to the same text.


def dumps(record: dict[str, Any]) -> str:
    """One JSON document, UTF-8 text kept readable, characters a terminal would act on escaped."""
    text = json.dumps(record, ensure_ascii=False)
    return UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class JsonlWriter(Writer):
    def write(self, item: Item) -> None:
        self.out.write(dumps(item.record(self.facets)) + "\n")


class JsonWriter(Writer):
    """One JSON array, written as it goes (no need to hold every record)."""

    def begin(self) -> None:
        self.out.write("[")
        self.first = True

    def write(self, item: Item) -> None:
        self.out.write(("\n" if self.first else ",\n") + dumps(item.record(self.facets)))
        self.first = False

    def end(self) -> None:
        self.out.write("\n]\n" if not self.first else "]\n")
