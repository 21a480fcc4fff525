"""Regenerate the export golden files: `python tests/export/regen_golden.py`.

Run it after a deliberate change to an export format, the rules or the ranking, then review the
diff of tests/export/golden/ before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_cases import CASES, GOLDEN, build, export, golden_text


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = {kind: build(Path(tmp) / f"{kind}.db", kind) for kind in {kind for kind, _ in CASES.values()}}
        for name, (kind, args) in CASES.items():
            path = GOLDEN / name
            path.write_text(golden_text(name, export(dbs[kind], args)), encoding="utf-8", newline="")
            print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
