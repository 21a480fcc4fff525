"""Building large saved-page dumps for the benchmarks from the 122 papers of the bundled sample.

Every title is made unique (a counter, and shuffled words on every other copy) so nothing keyed
on titles can collapse repeats; abstracts are the sample's own, repeated. A matcher that builds
its automaton lazily (an RE2 set's DFA) would be flattered by the repeats; `classify_bench.py`
therefore also times a pass over real, distinct abstracts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from triage.config import ConfigDirs, sample_dump
from triage.models import Paper
from triage.parse import ParseOptions, parse_file

HEADER = [
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
]
# About one date section per this many papers: a saved page sometimes spans a few days.
PAPERS_PER_DATE_SECTION = 2000


@dataclass(frozen=True)
class DumpInfo:
    path: Path
    papers: int
    date_sections: int

    @property
    def megabytes(self) -> float:
        return self.path.stat().st_size / 1e6


def sample_pairs() -> list[tuple[str, str]]:
    """(title, abstract) of each paper in the bundled sample, as the parser reads them."""
    records = parse_file(sample_dump(), ParseOptions.load(ConfigDirs()))
    return [(r.title, r.abstract) for r in records if isinstance(r, Paper)]


def _title(title: str, copy: int, number: int, rng: random.Random) -> str:
    if copy == 0:
        return title
    words = title.split()
    if copy % 2:
        rng.shuffle(words)
    return f"{' '.join(words)} ({number})"


def _date_line(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def write_dump(path: Path, n_papers: int, seed: int = 7) -> DumpInfo:
    """Write a saved-page dump of `n_papers` papers to `path`, streaming (flat memory)."""
    pairs = sample_pairs()
    rng = random.Random(seed)
    day = dt.date(2025, 5, 7)
    sections = 1
    with path.open("w", encoding="utf-8") as out:
        out.writelines(f"{line}\n\n" for line in HEADER)
        out.write(f"{_date_line(day)}\n\n")
        for number in range(n_papers):
            if number and rng.randrange(PAPERS_PER_DATE_SECTION) == 0:
                day -= dt.timedelta(days=1)
                sections += 1
                out.write(f"{_date_line(day)}\n\n")
            title, abstract = pairs[number % len(pairs)]
            out.write(f"{_title(title, number // len(pairs), number, rng)}\n\n{abstract}\n\n")
    return DumpInfo(path, n_papers, sections)
