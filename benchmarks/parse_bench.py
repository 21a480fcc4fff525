"""Parse speed and memory of the saved-page parser on a large synthetic dump, beside baselines.

Run from the repository root: `python benchmarks/parse_bench.py [--papers N] [--repeat R]`.
Speed: papers/s of `triage.parse.parse_file` (options as the CLI loads them, iterator consumed
fully) against a bare `re.split` on blank lines pairing title and abstract paragraphs, both over
the same file in the same run, median of R runs. Memory: peak RSS of a fresh child process that
parses an N/10-paper dump and an N-paper dump, beside a child that only imports triage
(VmHWM from /proc/self/status; getrusage where there is no /proc).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from synthetic_dump import HEADER, DumpInfo, write_dump

from triage.config import ConfigDirs
from triage.models import Paper
from triage.parse import ParseOptions, parse_file

_BLANK_LINES = re.compile(r"\n\s*\n")
_DATE = re.compile(r"^[A-Z][a-z]{2,8}\.? \d{1,2}$")
_BOILERPLATE = frozenset(HEADER)

# A child's own peak RSS. Linux keeps ru_maxrss across fork+exec, so getrusage in a child of a
# big parent reports the parent's size; VmHWM in /proc/self/status belongs to the new image.
_PEAK_RSS = """
import json, resource
def peak_rss_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
_CHILD_IMPORT = (
    _PEAK_RSS
    + """
import triage
print(json.dumps({"rss_kib": peak_rss_kib(), "papers": 0}))
"""
)
_CHILD_PARSE = (
    _PEAK_RSS
    + """
import sys
from triage.config import ConfigDirs
from triage.models import Paper
from triage.parse import ParseOptions, parse_file
papers = sum(isinstance(r, Paper) for r in parse_file(sys.argv[1], ParseOptions.load(ConfigDirs())))
print(json.dumps({"rss_kib": peak_rss_kib(), "papers": papers}))
"""
)


def parse_triage(path: Path) -> int:
    """Papers found by triage's parser, every record consumed."""
    options = ParseOptions.load(ConfigDirs())
    return sum(isinstance(record, Paper) for record in parse_file(path, options))


def parse_baseline(path: Path) -> int:
    """Papers found by splitting on blank lines: no validation, no cleaning, no records."""
    pairs = []
    title = None
    for paragraph in _BLANK_LINES.split(path.read_text(encoding="utf-8")):
        paragraph = paragraph.strip()
        if not paragraph or paragraph in _BOILERPLATE or _DATE.match(paragraph):
            continue
        if title is None:
            title = paragraph
        else:
            pairs.append((title, paragraph))
            title = None
    return len(pairs)


def timed(parse: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, int]:
    """Median seconds over `repeat` runs, and the paper count of the last one."""
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = parse(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def child_rss(code: str, *args: str) -> tuple[float, int]:
    """Peak RSS in MB and papers parsed, of a fresh Python running `code`."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["rss_kib"] / 1024, result["papers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000, help="size of the large dump")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per parser (median)")
    args = parser.parse_args()
    small_n = max(args.papers // 10, 1)

    with tempfile.TemporaryDirectory(prefix="triage-parse-bench-") as tmp:
        start = time.perf_counter()
        big = write_dump(Path(tmp) / "hf-big.txt", args.papers)
        small = write_dump(Path(tmp) / "hf-small.txt", small_n)
        built = time.perf_counter() - start
        print(f"dumps built in {built:.1f}s under {tmp} (removed afterwards)")
        _describe(big)
        _describe(small)
        print()
        _memory(small, big)
        print()
        _speed(big, args.repeat)


def _describe(dump: DumpInfo) -> None:
    print(
        f"  {dump.path.name}: {dump.papers:,} papers, {dump.date_sections} date sections,"
        f" {dump.megabytes:.1f} MB"
    )


def _speed(dump: DumpInfo, repeat: int) -> None:
    base_s, base_n = timed(parse_baseline, dump.path, repeat)
    triage_s, triage_n = timed(parse_triage, dump.path, repeat)
    mb = dump.megabytes
    print(f"Parse speed, {dump.papers:,} papers ({mb:.1f} MB), median of {repeat} runs")
    print(f"  {'parser':<40} {'papers':>9} {'seconds':>8} {'papers/s':>10} {'MB/s':>7}")
    rows = [
        ("baseline: re.split on blank lines", base_n, base_s),
        ("triage.parse.parse_file (hf-page)", triage_n, triage_s),
    ]
    for name, count, seconds in rows:
        print(f"  {name:<40} {count:>9,} {seconds:>8.2f} {count / seconds:>10,.0f} {mb / seconds:>7.1f}")
    print(f"  parse_file takes {triage_s / base_s:.1f}x the baseline's time")
    if triage_n != dump.papers or base_n != dump.papers:
        print(f"  WARNING: expected {dump.papers:,} papers from each parser")


def _memory(small: DumpInfo, big: DumpInfo) -> None:
    floor, _ = child_rss(_CHILD_IMPORT)
    rows = [("import triage only (floor)", 0, floor)]
    for dump in (small, big):
        rss, papers = child_rss(_CHILD_PARSE, str(dump.path))
        rows.append((f"parse {dump.papers:,}-paper dump ({dump.megabytes:.0f} MB)", papers, rss))
    print("Peak RSS, each in a fresh child process")
    print(f"  {'child':<40} {'papers':>9} {'peak MB':>8} {'over floor':>11}")
    for name, papers, rss in rows:
        print(f"  {name:<40} {papers:>9,} {rss:>8.1f} {rss - floor:>+10.1f}")
    growth = rows[2][2] - rows[1][2]
    print(
        f"  {small.papers:,} -> {big.papers:,} papers: peak RSS grows by {growth:+.1f} MB"
        f" while the dump grows by {big.megabytes - small.megabytes:.0f} MB"
    )


if __name__ == "__main__":
    main()
