"""Classification speed on a large synthetic dump, beside a grep-style keyword baseline.

Run from the repository root: `python benchmarks/classify_bench.py [--papers N] [--seconds S]`.
Measures (a) `Classifier.classify` alone over papers already parsed into memory (the one-off
compile is timed separately), (b) parse + classify streaming from the file, and (c) a baseline
in the same run: one `re` alternation per tag of its first five phrases, `.search` over the
lower-cased title + abstract. Each loop stops after all papers or S seconds, whichever comes
first, so a slow engine still finishes; the table says how many papers each figure covers.
The dump repeats 122 distinct abstracts, so row (d) also times a fresh classifier over the ~600
distinct real papers of the repository (the bundled sample and the gold sets in tests/data), each
seen once: an engine that only looks fast on repeats (a lazily built DFA) shows it there.
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

from synthetic_dump import write_dump

from triage.classify import Classifier, Taxonomy, load_taxonomy
from triage.config import ConfigDirs
from triage.models import Paper
from triage.parse import ParseOptions, parse_file

TARGET = 20_000  # abstracts/s for classification alone, one core
KEYWORDS_PER_TAG = 5
ROOT = Path(__file__).resolve().parents[1]
REAL_DUMPS = [
    ROOT / "data" / "hf-papers-sample.txt",
    *sorted((ROOT / "tests" / "data").glob("*-papers.jsonl")),
]


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
        if time.perf_counter() > deadline:
            break
    run.seconds = time.perf_counter() - start
    return run


@dataclass
class Run:
    done: int = 0
    seconds: float = 0.0
    fired: int = 0

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
        models = {f: ConfigDirs().find(d.model) for f, d in taxonomy.facets.items() if d.model}
        start = time.perf_counter()
        classifier = Classifier.from_taxonomy(taxonomy, models)
        compiled_patterns = classifier.patterns  # compiled on first use; time it here
        compiled = time.perf_counter() - start
        start = time.perf_counter()
        learned = classifier.models  # read on first use too
        read = time.perf_counter() - start
        grep = grep_patterns(taxonomy)
        print(
            f"one-off: taxonomy YAML load+validate {loaded:.2f}s, compile {compiled:.2f}s"
            f" ({len(compiled_patterns):,} patterns, {compiled_patterns.keys:,} phrase keys),"
            f" learned weights {read:.2f}s ({', '.join(learned) or 'none'});"
            f" baseline: {len(grep)} tags x <={KEYWORDS_PER_TAG} keywords"
        )
        print()

        def classify_with(engine: Classifier) -> Callable[[Paper], int]:
            return lambda paper: len(engine.classify(paper).tags)

        # A fresh classifier per measurement, so none inherits another's warm state.
        alone = run_for(papers, classify_with(_compiled(taxonomy, models)), args.seconds)
        streamed = run_for(
            papers_of(parse_file(dump.path, options)),
            classify_with(_compiled(taxonomy, models)),
            args.seconds,
        )
        rules_only = run_for(papers, classify_with(_compiled(taxonomy, {})), args.seconds)
        baseline = run_for(papers, lambda p: len(grep_tags(p, grep)), args.seconds)
        real = [p for dump_path in REAL_DUMPS for p in papers_of(parse_file(dump_path, options))]
        distinct = min(
            (run_for(real, classify_with(_compiled(taxonomy, models)), args.seconds) for _ in range(3)),
            key=lambda run: run.seconds,
        )
        rows = [
            ("(a) classifier.classify, in memory", alone),
            ("(b) parse_file + classify, streaming", streamed),
            ("(c) baseline: re alternation per tag", baseline),
            (f"(d) as (a), {len(real)} distinct real papers", distinct),
            ("(e) as (a), rules alone (no learned weights)", rules_only),
        ]
        _table(rows, len(papers), args.seconds)
        verdict = "met" if alone.rate >= TARGET else "NOT met"
        print(f"target >= {TARGET:,} abstracts/s for (a): {verdict} ({alone.rate / TARGET:.1%} of target)")
        if alone.rate < TARGET or args.profile:
            print()
            _profile(_compiled(taxonomy, models), papers, budget=min(args.seconds, 10.0))


def _compiled(taxonomy: Taxonomy, models: dict[str, Path]) -> Classifier:
    """A fresh classifier, compiled (and its learned weights read) before the clock starts."""
    classifier = Classifier.from_taxonomy(taxonomy, models)
    _ = classifier.patterns, classifier.models
    return classifier


def _table(rows: list[tuple[str, Run]], total: int, budget: float) -> None:
    print(f"Throughput, one process (each loop stops after {budget:.0f}s or {total:,} papers)")
    print(
        f"  {'measure':<40} {'papers':>8} {'seconds':>8} {'abstracts/s':>12} {'us each':>9}"
        f" {'tags/paper':>10}"
    )
    for name, run in rows:
        _row(name, run.done, run.seconds, run.fired / max(run.done, 1))
    ratio = rows[0][1].rate / rows[2][1].rate
    if ratio >= 1:
        print(f"  (a) runs at {ratio:.1f}x the baseline's rate")
    else:
        print(f"  (a) runs at 1/{1 / ratio:,.0f} of the baseline's rate")


def _row(name: str, done: int, seconds: float, tags: float) -> None:
    rate = done / seconds
    print(f"  {name:<40} {done:>8,} {seconds:>8.2f} {rate:>12,.0f} {1e6 / rate:>9,.0f} {tags:>10.1f}")


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
