"""Store benchmark: end-to-end ingest papers/s beside a bare `executemany`, and `triage list`
latency on a large database beside the process start of `import triage.cli`.

    python benchmarks/store_bench.py [--papers 100000] [--large 1000000] [--repeat 5]

Part 1 writes a synthetic saved-page dump (synthetic_dump.py), ingests it into a fresh database
through `Ingester.run` (parse + classify + rank + SQLite, one transaction) and splits the time into
parse, classify and the rest (SQLite and bookkeeping) by timing parse alone and parse + classify
alone over the same dump. The baseline inserts the same parsed papers into an equivalent `papers`
table with one bare `executemany` in one transaction.

Part 2 fills a database of `--large` papers with direct SQL (realistic tag mix, the sample's real
abstracts under made-up titles, no classifier) and times `triage list --tag X --limit 50` and
`triage list --query ...` as subprocesses (median of `--repeat`), beside `python -c "import
triage.cli"`. The first `--query` builds the search index, which is timed on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic_dump import sample_pairs, write_dump

from triage.classify import load_classifier
from triage.config import ConfigDirs
from triage.ingest import Ingester, load_store_config
from triage.models import Paper
from triage.parse import ParseOptions, parse_file
from triage.rank import Ranker, load_ranking
from triage.store import RANK_VERSION, TAG_INSERT_RANKED, Store, now, title_signatures

DOMAINS = ["vision", "language", "general-ml", "multimodal", "graphs", "medical", "speech-audio", "robotics"]
METHODS = ["llm", "transformer", "diffusion", "rl", "pruning", "quantization", "distillation", "gnn", "nas"]
KINDS = ["method", "method", "method", "method", "benchmark", "survey", "theory"]
CODES = ["none", "none", "none", "available", "project-page", "promised"]
WORDS = [
    "sparse",
    "efficient",
    "learning",
    "neural",
    "network",
    "model",
    "large",
    "language",
    "vision",
    "transformer",
    "diffusion",
    "graph",
    "pruning",
    "quantized",
    "robust",
    "adaptive",
    "kolmogorov",
    "arnold",
    "attention",
    "scaling",
    "retrieval",
    "agent",
]


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} papers/s  ({seconds:6.2f} s)"


def part_ingest(n_papers: int, tmp: Path) -> None:
    dump = write_dump(tmp / "bench.txt", n_papers).path
    dirs = ConfigDirs()
    options = ParseOptions.load(dirs)
    classifier = load_classifier(dirs)
    ranker = Ranker(load_ranking(dirs), classifier.taxonomy)

    start = time.perf_counter()
    papers = [r for r in parse_file(dump, options) if isinstance(r, Paper)]
    t_parse = time.perf_counter() - start
    start = time.perf_counter()
    for paper in papers:
        classifier.classify(paper)
    t_classify = time.perf_counter() - start

    store = Store(tmp / "ingest.db")
    ingester = Ingester(store, classifier, ranker, options, load_store_config(dirs))
    start = time.perf_counter()
    result = ingester.run([str(dump)], lambda msg: print("warning:", msg))
    t_ingest = time.perf_counter() - start
    store.close()
    assert result.total("new") == n_papers, result.summary()

    bare = sqlite3.connect(tmp / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode = WAL")
    bare.execute("PRAGMA synchronous = NORMAL")
    bare.execute(
        "CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, title_key TEXT, abstract TEXT, "
        "published TEXT, authors TEXT, source TEXT)"
    )
    bare.execute("CREATE INDEX papers_title_key ON papers(title_key)")
    start = time.perf_counter()
    bare.execute("BEGIN")
    bare.executemany(
        "INSERT INTO papers VALUES (?,?,?,?,?,?,?)",
        (
            (
                p.id,
                p.title,
                p.title.lower(),
                p.abstract,
                str(p.published),
                json.dumps(p.authors),
                p.source.model_dump_json(),
            )
            for p in papers
        ),
    )
    bare.execute("COMMIT")
    t_bare = time.perf_counter() - start
    bare.close()

    print(f"ingest of {n_papers:,} papers ({dump.stat().st_size / 1e6:.0f} MB dump)")
    print(f"  triage ingest (Ingester.run)  {rate(n_papers, t_ingest)}")
    print(f"  baseline: bare executemany    {rate(n_papers, t_bare)}   (parsed papers -> one table)")
    print("  where ingest time goes (estimated from separate passes):")
    print(f"    parse                       {t_parse:6.2f} s  {t_parse / t_ingest:5.0%}")
    print(f"    classify                    {t_classify:6.2f} s  {t_classify / t_ingest:5.0%}")
    rest = t_ingest - t_parse - t_classify
    print(f"    SQLite, rank, merge lookups {rest:6.2f} s  {rest / t_ingest:5.0%}")


def fill_large(db: Path, n_papers: int) -> None:
    """A store of `n_papers` synthetic papers with realistic tags, written by direct SQL."""
    dirs = ConfigDirs()
    ranking = load_ranking(dirs)
    store = Store(db)
    rng = random.Random(11)
    day0 = dt.date(2024, 1, 1)
    abstracts = [abstract for _, abstract in sample_pairs()]
    with store.transaction() as conn:
        run = conn.execute(
            "INSERT INTO runs (started, rules_version) VALUES (?, 'bench') RETURNING id", (now(),)
        )
        run_id = int(run.fetchone()[0])
        conn.execute(
            "INSERT INTO dumps VALUES ('bench', 'bench.txt', 0, ?, 0, ?, ?)", (n_papers, run_id, now())
        )
        store.set_meta(RANK_VERSION, ranking.version())
        for base in range(0, n_papers, 50_000):
            papers, tags, sources = [], [], []
            for i in range(base, min(base + 50_000, n_papers)):
                pid = f"{2400 + i // 100_000}.{i % 100_000:05d}"
                words = rng.choices(WORDS, k=9)
                title = " ".join(words).capitalize() + f" {i}"
                abstract = abstracts[i % len(abstracts)]
                published = (day0 + dt.timedelta(days=rng.randrange(700))).isoformat()
                code = rng.choice(CODES)
                key = title.lower()
                papers.append(
                    {
                        "id": pid, "title": title, "title_key": key,
                        "sig_head": title_signatures(key)[0], "sig_tail": title_signatures(key)[1],
                        "abstract": abstract, "published": published, "authors": "[]", "arxiv_id": pid,
                        "urls": "[]", "extra": "{}", "source": '{"file":"bench.txt","format":"hf-page"}',
                        "code": code, "code_url": None, "project_url": None,
                        "rank_static": round(rng.uniform(0, 5), 3), "status": "untriaged", "note": None,
                        "first_seen": now(), "first_run": run_id, "rules_version": "bench",
                    }
                )  # fmt: skip
                facet_tags = [("domain", rng.choice(DOMAINS)), ("kind", rng.choice(KINDS)), ("code", code)]
                facet_tags += [("method", m) for m in set(rng.choices(METHODS, k=rng.randrange(1, 3)))]
                ranked = (papers[-1]["rank_static"], published, "untriaged")
                tags += [(pid, f, t, round(rng.uniform(1, 15), 1), "[]", *ranked) for f, t in facet_tags]
                sources.append((pid, "bench", "bench.txt", i, -1, "hf-page"))
            columns = list(papers[0])
            conn.executemany(
                f"INSERT INTO papers ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                papers,
            )
            conn.executemany(TAG_INSERT_RANKED, tags)
            conn.executemany("INSERT INTO sources VALUES (?,?,?,?,?,?)", sources)
    store.db.execute("ANALYZE")
    store.close()


def median_seconds(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    return statistics.median(times)


def part_list(n_papers: int, repeat: int, tmp: Path) -> None:
    db = tmp / "large.db"
    start = time.perf_counter()
    fill_large(db, n_papers)
    print(
        f"\nlarge database: {n_papers:,} papers written by direct SQL in {time.perf_counter() - start:.0f} s,"
    )
    print(f"  {db.stat().st_size / 1e9:.2f} GB; each figure is the median of {repeat} subprocess runs")
    triage = [sys.executable, "-m", "triage", "-q"]
    rows = [
        ("baseline: python -c 'import triage.cli'", [sys.executable, "-c", "import triage.cli"]),
        (
            "triage list --tag pruning --limit 50",
            [*triage, "list", "--db", str(db), "--tag", "pruning", "--limit", "50"],
        ),
        (
            "triage list --tag compression --limit 50",
            [*triage, "list", "--db", str(db), "--tag", "compression", "--limit", "50"],
        ),
        ("triage list --limit 50 (no filter)", [*triage, "list", "--db", str(db), "--limit", "50"]),
        (
            "triage list --query 'kolmogorov arnlod' --limit 50",
            [*triage, "list", "--db", str(db), "--query", "kolmogorov arnlod", "--limit", "50"],
        ),
        (
            "triage list --query 'neural network' --limit 50",
            [*triage, "list", "--db", str(db), "--query", "neural network", "--limit", "50"],
        ),
    ]
    for label, cmd in rows:
        if "kolmogorov" in cmd:
            built = median_seconds(cmd, 1)
            print(f"  {'  first --query: builds the search index (once)':<52} {built * 1000:8.0f} ms")
        print(f"  {label:<52} {median_seconds(cmd, repeat) * 1000:8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-store-bench-") as tmp:
        if args.papers:
            part_ingest(args.papers, Path(tmp))
        if args.large:
            part_list(args.large, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
