"""Classification speed on a large synthetic dump, beside a grep-style keyword baseline.

Run from the repository root: `python benchmarks/classify_bench.py [--papers N] [--seconds S]`.
Measures (a) `Classifier.classify` alone over papers already parsed into memory (the one-off
compile is timed separately), (b) parse + classify streaming from the file, and (c) a baseline
in the same run: one `re` alternation per tag of its first five phrases, `.search` over the
lower-cased title + abstract. Each loop stops after all papers or S seconds, whichever comes
first, so a slow engine still finishes; the table says how many papers each figure covers.
The dump repeats 122 distinct abstracts, so rows (a) and (b) also show the first pass over them
(each abstract new to RE2's lazily built DFA) apart from the rest (cached states reused): a
real dump of unique abstracts behaves more like the cold row than the warm one.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from synthetic_dump import sample_pairs, write_dump

from triage.classify import Classifier, Taxonomy, load_taxonomy
from triage.config import ConfigDirs
from triage.models import Paper
from triage.parse import ParseOptions, parse_file

TARGET = 20_000  # abstracts/s for classification alone, one core
KEYWORDS_PER_TAG = 5
# The dump repeats the sample's distinct abstracts; the first pass over them is each one's first
# sight by the engine (RE2 builds its DFA lazily, so later passes reuse cached states).
COLD_PAPERS = len(sample_pairs())


def grep_patterns(taxonomy: Taxonomy) -> dict[str, re.Pattern[str]]:
    """One alternation per tag of its first phrases, literal (a trailing `*` dropped), lower-case."""
    patterns = {}
    for facet, fdef in taxonomy.facets.items():
        for tag, tdef in fdef.tags.items():
            phrases = [p.rstrip("*").lower() for r in tdef.rules for p in r.phrases]
            if phrases:
                words = phrases[:KEYWORDS_PER_TAG]
                patterns[f"{facet}:{tag}"] = re.compile("|".join(map(re.escape, words)))
    return patterns


def grep_tags(paper: Paper, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    text = f"{paper.title}\n{paper.abstract}".lower()
    return [tag for tag, pattern in patterns.items() if pattern.search(text)]


def run_for(items: Iterable[Paper], work: Callable[[Paper], int], seconds: float) -> Run:
    """Apply `work` until the items run out or `seconds` pass."""
    run = Run()
    start = time.perf_counter()
    deadline = start + seconds
    for paper in items:
        run.fired += work(paper)
        run.done += 1
        now = time.perf_counter()
        if run.done == COLD_PAPERS:
            run.cold_seconds = now - start
        if now > deadline:
            break
    run.seconds = time.perf_counter() - start
    return run


@dataclass
class Run:
    done: int = 0
    seconds: float = 0.0
    fired: int = 0
    cold_seconds: float | None = None  # time for the first COLD_PAPERS, if reached

    @property
    def rate(self) -> float:
        return self.done / self.seconds


def papers_of(records: Iterable[object]) -> Iterable[Paper]:
    return (r for r in records if isinstance(r, Paper))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000, help="size of the dump")
    parser.add_argument("--seconds", type=float, default=30.0, help="time budget per measured loop")
    parser.add_argument("--profile", action="store_true", help="profile even when above target")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="triage-classify-bench-") as tmp:
        dump = write_dump(Path(tmp) / "hf-big.txt", args.papers)
        options = ParseOptions.load(ConfigDirs())
        start = time.perf_counter()
        papers = list(papers_of(parse_file(dump.path, options)))
        parsed = time.perf_counter() - start
        print(
            f"dump: {dump.papers:,} papers, {dump.megabytes:.1f} MB under {tmp} (removed afterwards);"
            f" parsed into memory in {parsed:.1f}s"
        )

        start = time.perf_counter()
        taxonomy = load_taxonomy(ConfigDirs())
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        classifier = Classifier.from_taxonomy(taxonomy)
        classifier.patterns  # noqa: B018 - the RE2 set compiles on first use; time it here
        compiled = time.perf_counter() - start
        grep = grep_patterns(taxonomy)
        print(
            f"one-off: taxonomy YAML load+validate {loaded:.2f}s, compile to RE2 set {compiled:.2f}s"
            f" ({len(classifier.patterns.patterns):,} patterns); baseline: {len(grep)} tags x"
            f" <={KEYWORDS_PER_TAG} keywords"
        )
        print()

        def classify_with(engine: Classifier) -> Callable[[Paper], int]:
            return lambda paper: len(engine.classify(paper).tags)

        # A fresh classifier per measurement, so neither inherits the other's warm DFA cache.
        alone = run_for(papers, classify_with(Classifier.from_taxonomy(taxonomy)), args.seconds)
        streamed = run_for(
            papers_of(parse_file(dump.path, options)),
            classify_with(Classifier.from_taxonomy(taxonomy)),
            args.seconds,
        )
        baseline = run_for(papers, lambda p: len(grep_tags(p, grep)), args.seconds)
        rows = [
            ("(a) classifier.classify, in memory", alone, True),
            ("(b) parse_file + classify, streaming", streamed, True),
            ("(c) baseline: re alternation per tag", baseline, False),
        ]
        _table(rows, len(papers), args.seconds)
        verdict = "met" if alone.rate >= TARGET else "NOT met"
        print(f"target >= {TARGET:,} abstracts/s for (a): {verdict} ({alone.rate / TARGET:.1%} of target)")
        if alone.rate < TARGET or args.profile:
            print()
            _profile(Classifier.from_taxonomy(taxonomy), papers, budget=min(args.seconds, 10.0))


def _table(rows: list[tuple[str, Run, bool]], total: int, budget: float) -> None:
    print(f"Throughput, one process (each loop stops after {budget:.0f}s or {total:,} papers)")
    print(
        f"  {'measure':<40} {'papers':>8} {'seconds':>8} {'abstracts/s':>12} {'us each':>9}"
        f" {'tags/paper':>10}"
    )
    for name, run, split in rows:
        _row(name, run.done, run.seconds, run.fired / max(run.done, 1))
        if split and run.cold_seconds is not None and run.done > COLD_PAPERS:
            _row(f"    first {COLD_PAPERS} (cold DFA cache)", COLD_PAPERS, run.cold_seconds, None)
            rest = run.seconds - run.cold_seconds
            _row("    after them (warm)", run.done - COLD_PAPERS, rest, None)
    ratio = rows[0][1].rate / rows[2][1].rate
    if ratio >= 1:
        print(f"  (a) runs at {ratio:.1f}x the baseline's rate")
    else:
        print(f"  (a) runs at 1/{1 / ratio:,.0f} of the baseline's rate")


def _row(name: str, done: int, seconds: float, tags: float | None) -> None:
    rate = done / seconds
    tags_text = f" {tags:>10.1f}" if tags is not None else ""
    print(f"  {name:<40} {done:>8,} {seconds:>8.2f} {rate:>12,.0f} {1e6 / rate:>9,.0f}{tags_text}")


def _profile(classifier: Classifier, papers: list[Paper], budget: float) -> None:
    """Where classify's time goes: cProfile over as many papers as fit in `budget` seconds."""
    profile = cProfile.Profile()
    deadline = time.perf_counter() + budget
    done = 0
    profile.enable()
    for paper in papers:
        classifier.classify(paper)
        done += 1
        if time.perf_counter() > deadline:
            break
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"Profile of classify over {done:,} papers (cProfile, top functions by own time)")
    print(f"  {'own s':>7} {'share':>6} {'calls':>8}  function")
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:8]  # type: ignore[attr-defined]
    for (filename, line, func), (_, calls, own, _, _) in top:
        where = f"{Path(filename).name}:{line}({func})" if line else func
        print(f"  {own:>7.2f} {own / total:>6.1%} {calls:>8,}  {where}")


if __name__ == "__main__":
    main()
