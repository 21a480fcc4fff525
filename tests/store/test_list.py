"""`triage list` / `show` / `tags` / `stats` over a real database: filters, sorting, formats."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from store_helpers import SAMPLE, SAMPLE_PAPERS, count, ok, run, sample_pairs, write_papers

import triage.query
import triage.store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "sample.db"
    ok(run("ingest", "--db", path, SAMPLE))
    return path


def records(db: Path, *args: str) -> list[dict]:
    out = ok(run("list", "--db", db, "--format", "jsonl", "--limit", "500", *args)).stdout
    return [json.loads(line) for line in out.splitlines()]


def listed_ids(db: Path, *args: str) -> list[str]:
    return [r["id"] for r in records(db, *args)]


def test_list_tag_pruning_lists_exactly_the_pruning_papers_best_first_with_evidence_in_show(db: Path):
    with sqlite3.connect(db) as conn:
        pruning = {r[0] for r in conn.execute("SELECT paper_id FROM tags WHERE tag = 'pruning'")}
    out = ok(run("list", "--db", db, "--tag", "pruning", "--format", "jsonl")).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert pruning and {r["id"] for r in records} == pruning
    scores = [r["score"] for r in records]
    assert scores == sorted(scores, reverse=True)
    shown = ok(run("show", "--db", db, records[0]["id"])).stdout
    assert "method:pruning" in shown
    evidence = next(line for line in shown.splitlines() if "method:pruning" in line)
    assert "method:pruning/" in evidence and ("title:" in evidence or "abstract:" in evidence)
    assert "score" in shown and "interest" in shown


def test_a_misspelt_tag_exits_2_and_suggests_the_closest(db: Path):
    result = ok(run("list", "--db", db, "--tag", "prunning"), 2)
    assert "did you mean pruning" in result.stderr


def test_list_new_shows_only_the_papers_first_seen_by_the_latest_run(tmp_path: Path):
    pairs = sample_pairs()
    write_papers(tmp_path / "a.txt", pairs[:30])
    write_papers(tmp_path / "b.txt", pairs[25:40])
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, tmp_path / "a.txt"))
    ok(run("ingest", "--db", db, tmp_path / "b.txt"))
    titles = {
        json.loads(x)["title"]
        for x in ok(run("list", "--db", db, "--new", "--format", "jsonl")).stdout.splitlines()
    }
    assert titles == {t for t, _ in pairs[30:40]}


def test_list_new_keeps_the_papers_of_a_run_that_did_not_end_ok(tmp_path: Path):
    """A night whose ingest exited 1 (a refused file), was interrupted or was killed after some
    dumps landed skipped its digest: its papers are news together with the next run's, and stay
    news while a re-run adds nothing. A run still going is left out until it ends."""
    pairs = sample_pairs()
    parts = {"a": pairs[:10], "b": pairs[10:20], "c": pairs[20:25], "d": pairs[25:30], "e": pairs[30:35]}
    for name, part in parts.items():
        write_papers(tmp_path / f"{name}.txt", part)
    db = tmp_path / "t.db"

    def new_titles() -> set[str]:
        out = ok(run("list", "--db", db, "--new", "--format", "jsonl")).stdout
        return {json.loads(x)["title"] for x in out.splitlines()}

    def titles(*names: str) -> set[str]:
        return {t for name in names for t, _ in parts[name]}

    def set_status(run_id: int, status: str) -> None:
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE runs SET status = ?, new = 0 WHERE id = ?", (status, run_id))

    ok(run("ingest", "--db", db, tmp_path / "a.txt"))  # run 1
    assert new_titles() == titles("a")
    ok(run("ingest", "--db", db, tmp_path / "b.txt"))  # run 2, then killed: its row stays running
    set_status(2, "running")
    assert new_titles() == titles("a")  # killed or still going: cannot tell yet
    ok(run("ingest", "--db", db, tmp_path / "b.txt"))  # run 3: nothing new
    assert new_titles() == titles("b")
    ok(run("ingest", "--db", db, tmp_path / "c.txt", tmp_path / "missing.txt"), 1)  # run 4: exit 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs WHERE id = 4").fetchone()[0] == "incomplete"
    ok(run("ingest", "--db", db, tmp_path / "d.txt"))  # run 5, then interrupted (Ctrl-C)
    set_status(5, "failed")
    ok(run("ingest", "--db", db, tmp_path / "e.txt"))  # run 6
    assert new_titles() == titles("c", "d", "e")
    ok(run("ingest", "--db", db, tmp_path / "a.txt", tmp_path / "e.txt"))  # run 7: nothing new
    assert new_titles() == titles("c", "d", "e")
    write_papers(tmp_path / "f.txt", pairs[35:37])
    ok(run("ingest", "--db", db, tmp_path / "f.txt"))
    assert new_titles() == {t for t, _ in pairs[35:37]}


def test_rejected_papers_are_hidden_by_default_and_status_selects(db: Path):
    ids = listed_ids(db)
    assert len(ids) == SAMPLE_PAPERS
    ok(run("mark", "--db", db, ids[0], "reject"))
    ok(run("mark", "--db", db, ids[1], "accept", "--note", "try it"))
    ok(run("mark", "--db", db, ids[2], "later"))
    assert ids[0] not in listed_ids(db)
    assert listed_ids(db, "--status", "rejected") == [ids[0]]
    assert listed_ids(db, "--status", "accepted") == [ids[1]]
    assert listed_ids(db, "--status", "later", "--status", "accepted") == [ids[1], ids[2]]
    assert len(listed_ids(db, "--status", "untriaged")) == SAMPLE_PAPERS - 3


def test_since_and_until_filter_by_publication_date(tmp_path: Path):
    pairs = sample_pairs()
    write_papers(tmp_path / "a.txt", pairs[:5], date="May 7")
    write_papers(tmp_path / "b.txt", pairs[5:12], date="May 20")
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, "--date", "2025-06-01", tmp_path / "a.txt", tmp_path / "b.txt"))
    assert len(listed_ids(db, "--since", "2025-05-10")) == 7
    assert len(listed_ids(db, "--until", "2025-05-10")) == 5
    assert len(listed_ids(db, "--since", "2025-05-07", "--until", "2025-05-07")) == 5
    assert listed_ids(db, "--since", "2025-06-01") == []


def test_sort_by_date_and_title(tmp_path: Path):
    pairs = sample_pairs()
    write_papers(tmp_path / "a.txt", pairs[:5], date="May 7")
    write_papers(tmp_path / "b.txt", pairs[5:10], date="May 20")
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, "--date", "2025-06-01", tmp_path / "a.txt", tmp_path / "b.txt"))
    by_date = [
        json.loads(x)
        for x in ok(run("list", "--db", db, "--sort", "date", "--format", "jsonl")).stdout.splitlines()
    ]
    assert [r["published"] for r in by_date] == ["2025-05-20"] * 5 + ["2025-05-07"] * 5
    by_title = [
        json.loads(x)["title"]
        for x in ok(run("list", "--db", db, "--sort", "title", "--format", "jsonl")).stdout.splitlines()
    ]
    assert by_title == sorted(by_title, key=str.casefold)


def test_query_finds_a_title_despite_a_typo(db: Path):
    out = ok(
        run("list", "--db", db, "--query", "transformabel architecure search", "--format", "jsonl")
    ).stdout
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    assert titles[0] == "Network Pruning via Transformable Architecture Search"
    assert listed_ids(db, "--query", "zzqxv wvvkpq") == []


@pytest.mark.parametrize("fmt", ["csv", "md", "json", "jsonl"])
def test_every_format_parses_back(db: Path, fmt: str):
    out = ok(run("list", "--db", db, "--tag", "pruning", "--format", fmt)).stdout
    expected = len(listed_ids(db, "--tag", "pruning"))
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == expected and all("pruning" in r["method"] for r in rows)
    elif fmt == "json":
        assert len(json.loads(out)) == expected
    elif fmt == "jsonl":
        assert all("pruning" in json.loads(line)["tags"]["method"] for line in out.splitlines())
    else:
        table = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
        assert len(table) == expected + 1  # header + one row per paper


def test_list_with_no_database_shows_the_bundled_sample_with_a_one_line_note(user_dirs: Path):
    result = ok(run("list", "--tag", "pruning"))
    notes = [line for line in result.stderr.splitlines() if "bundled sample" in line]
    assert len(notes) == 1 and "triage ingest" in notes[0]
    assert "Pruning" in result.stdout
    assert not (user_dirs / "data" / "triage" / "triage.db").exists()  # nothing written for the user


def test_tags_and_stats_count_the_stored_papers(db: Path):
    tags = ok(run("tags", "--db", db)).stdout
    assert "method:pruning" in tags
    stats = ok(run("stats", "--db", db)).stdout
    assert stats.splitlines()[0] == f"{SAMPLE_PAPERS} papers, 1 dump, 1 run, 0 triaged"
    domains = count(db, "SELECT COUNT(DISTINCT tag) FROM tags WHERE facet = 'domain'")
    assert domains > 15 and f"{domains - 15} more" in stats  # the rest of a long facet is counted


def test_show_an_unknown_or_ambiguous_reference_is_a_usage_error(db: Path):
    assert "no paper matches" in ok(run("show", "--db", db, "no such paper at all"), 2).stderr
    assert "matches several" in ok(run("show", "--db", db, "t"), 2).stderr


# Typos, stems, joined and split words, accents, underscores -> a paper the search must find.
FOUND_BY_INDEX = {
    "transformabel architecure search": "Network Pruning via Transformable Architecture Search",
    "kolmogorov arnlod": "Kolmogorov-Arnold Transformer",
    "speculative decodng": "Kangaroo: Lossless Self-Speculative Decoding via Double Early Exiting",
    "selfsupervised learning on grpahs": (
        "Self-supervised Learning on Graphs: Deep Insights and New Direction"
    ),
    "sorted finetuning": (
        "Sorted LLaMA: Unlocking the Potential of Intermediate Layers of Large Language Models "
        "for Dynamic Inference Using Sorted Fine-Tuning (SoFT)"
    ),
    "tarnsformer": "Kolmogorov-Arnold Transformer",
    "kolmogorov_arnold": "Kolmogorov-Arnold Transformer",
    "Kolmógorov": "Kolmogorov-Arnold Transformer",
}
MORE_QUERIES = [
    "pretraining",
    "pre-training",
    "distill",
    "segment",
    "align",
    "conv",
    "multi-modal",
    "zero_shot",
]


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search through the index even on the small sample store."""
    monkeypatch.setattr(triage.query, "SEARCH_MIN_PAPERS", 0)


def test_the_search_index_finds_typos_stems_and_split_words(
    db: Path, monkeypatch: pytest.MonkeyPatch, indexed: None
) -> None:
    """The index narrows the papers the fuzzy score ranks: it finds what a reader means, and
    never adds a paper that scoring every paper would not list."""
    with_index = {q: listed_ids(db, "--query", q) for q in [*FOUND_BY_INDEX, *MORE_QUERIES]}
    assert count(db, "SELECT COUNT(*) FROM search_keys") == count(db, "SELECT COUNT(*) FROM papers")
    titles = {r["id"]: r["title"] for r in records(db, "--status", "all")}
    for query, title in FOUND_BY_INDEX.items():
        assert title in [titles[i] for i in with_index[query]], query
    monkeypatch.setattr(triage.store, "fts5_available", lambda: False)
    fresh = db.parent / "noindex.db"
    ok(run("ingest", "--db", fresh, SAMPLE))
    for query, ids in with_index.items():
        assert set(ids) <= set(listed_ids(fresh, "--query", query)), query


def test_a_small_store_is_searched_without_an_index(db: Path) -> None:
    assert listed_ids(db, "--query", "kolmogorov arnold")
    assert count(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'search'") == 0


def test_papers_ingested_after_the_index_is_built_are_found(db: Path, tmp_path: Path, indexed: None) -> None:
    listed_ids(db, "--query", "anything at all")  # builds the index
    extra = tmp_path / "extra.txt"
    write_papers(
        extra,
        [
            (
                "Zebrafish Larvae Tracking With Sparse Transformers",
                "We track zebrafish larvae in long videos with a sparse transformer and release the "
                "annotated recordings for others to compare against.",
            )
        ],
    )
    ok(run("ingest", "--db", db, extra))
    assert count(db, "SELECT COUNT(*) FROM search_keys") == count(db, "SELECT COUNT(*) FROM papers")
    records_found = records(db, "--query", "zebrafsh larvae")
    assert [r["title"] for r in records_found] == ["Zebrafish Larvae Tracking With Sparse Transformers"]


def test_a_database_that_cannot_take_the_index_is_searched_paper_by_paper(
    db: Path, monkeypatch: pytest.MonkeyPatch, indexed: None
) -> None:
    def refuse(self: triage.store.Store) -> bool:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(triage.store.Store, "build_search", refuse)
    result = ok(run("list", "--db", db, "--query", "transformabel architecure search"))
    assert "Transformable Architecture Search" in result.stdout
    assert "scoring every paper" in result.stderr


def test_a_python_without_fts5_switches_the_index_off_and_still_ingests(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indexed: None
) -> None:
    listed_ids(db, "--query", "kolmogorov arnold")  # builds the index
    monkeypatch.setattr(triage.store, "fts5_available", lambda: False)
    with sqlite3.connect(db) as conn:  # what an SQLite without FTS5 cannot do: run its triggers
        triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    assert "search_add" in triggers
    extra = tmp_path / "extra.txt"
    write_papers(extra, [("A Paper Ingested Without FTS5", "An abstract long enough to be a paper. " * 3)])
    result = ok(run("ingest", "--db", db, extra))
    assert "no FTS5" in result.stderr
    assert count(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'search_add'") == 0
    assert listed_ids(db, "--query", "kolmogorov arnold")


def test_the_index_splits_and_folds_queries_as_it_splits_papers(
    db: Path, tmp_path: Path, indexed: None
) -> None:
    extra = tmp_path / "extra.txt"
    write_papers(
        extra,
        [
            (
                "자연어 처리를 위한 작은 모델",
                "We study 자연어 처리 with small models and report results on three tasks.",
            ),
            (
                "Chest X-ray Triage With Tiny Models",
                "We triage chest x-ray images with tiny convolutional models.",
            ),
            (
                "Co-training for Noisy Labels",
                "We revisit co-training when labels are noisy and models disagree.",
            ),
            ("Naïve Bayes Revisited", "We show that naïve Bayes remains a strong baseline for short texts."),
        ],
    )
    ok(run("ingest", "--db", db, extra))
    for query, title in [
        ("자연어", "자연어 처리를 위한 작은 모델"),
        ("xray triage", "Chest X-ray Triage With Tiny Models"),
        ("cotraining", "Co-training for Noisy Labels"),
        ("co-training", "Co-training for Noisy Labels"),
        ("naive bayes", "Naïve Bayes Revisited"),
        (
            "ﬁnetuning",
            "Sorted LLaMA: Unlocking the Potential of Intermediate Layers of Large Language Models "
            "for Dynamic Inference Using Sorted Fine-Tuning (SoFT)",
        ),
    ]:
        assert title in [r["title"] for r in records(db, "--query", query)], query


@pytest.mark.parametrize(
    "args",
    [[], ["--tag", "pruning"], ["--sort", "date"], ["--status", "accepted"], ["--query", "pruning"]],
)
def test_a_limit_beyond_sqlites_integers_means_every_paper(db: Path, args: list[str]):
    """`--limit 99999999999999999999` failed as "database error: datatype mismatch" (exit 1)."""
    huge = str(10**20)
    for command in ("list", "export"):
        result = ok(run(command, "--db", db, "--format", "jsonl", "--limit", huge, *args))
        everything = ok(run("export", "--db", db, "--format", "jsonl", *args))
        assert result.stdout == everything.stdout


def _read_only(*_args: object, **_kwargs: object) -> None:
    raise sqlite3.OperationalError("attempt to write a readonly database")


def test_a_read_only_database_still_lists_when_the_ranking_changed(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A database the user may read but not write (a shared copy, `chmod 444`) and a changed
    ranking.yaml: `list` failed with "database error ... the dump being written was rolled back"."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "ranking.yaml").write_text("interests:\n  tags:\n    pruning: 3.0\n")
    monkeypatch.setattr(triage.query.Library, "refresh_ranks", _read_only)
    result = ok(run("--config", config, "list", "--db", db, "--limit", "3"))
    assert f"{db} is read-only" in result.stderr and len(result.stdout.splitlines()) == 4


def test_writing_a_read_only_database_names_it_and_the_fix(db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(triage.query.Library, "mark", _read_only)
    result = ok(run("mark", "--db", db, "kangaroo", "accept"), 1)
    assert result.stderr.strip() == (
        f"triage: error: {db}: cannot write the database (attempt to write a readonly database); "
        "check that you may write the file and its folder"
    )


@pytest.mark.parametrize("limit", ["1", "3", "500"])
def test_query_stops_reading_early_only_when_nothing_later_can_rank_higher(
    db: Path, monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    """Texts are read a few papers at a time, and reading stops once `limit` papers have the
    query in their title: the list is the one that scoring every paper gives."""
    import rapidfuzz.utils

    queries = ["model", "language model", "pruning", "transformabel architecure search", "graph neural"]
    whole = {q: listed_ids(db, "--query", q, "--limit", limit) for q in queries}
    assert all(whole.values())
    monkeypatch.setattr(triage.query, "QUERY_PIECE", 2)
    process = rapidfuzz.utils.default_process
    texts: list[str] = []

    def counting(text: str) -> str:
        texts.append(text)
        return process(text)

    monkeypatch.setattr(rapidfuzz.utils, "default_process", counting)
    for query, ids in whole.items():
        texts.clear()
        assert listed_ids(db, "--query", query, "--limit", limit) == ids, query
        if query == "model" and limit == "1":  # one of the best-ranked papers has it in its title
            assert len(texts) < 20, "read the texts of far more papers than needed (of 122)"
