"""`triage ingest` into a real SQLite file: idempotence, merging, exit codes, schema checks."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from store_helpers import SAMPLE, SAMPLE_PAPERS, count, ok, run, sample_pairs, unique_word, write_papers

from triage.store import MIGRATIONS


def summary(result) -> dict:
    return json.loads(result.stdout)


def test_ingest_twice_gives_the_same_counts_and_the_second_run_says_nothing_new(tmp_path: Path):
    db = tmp_path / "t.db"
    first = ok(run("ingest", "--db", db, SAMPLE, "--json-summary"))
    assert summary(first)["new"] == SAMPLE_PAPERS
    counts = [count(db, f"SELECT COUNT(*) FROM {t}") for t in ("papers", "tags", "sources", "dumps")]
    second = ok(run("ingest", "--db", db, SAMPLE, "--json-summary"))
    data = summary(second)
    assert data["new"] == 0 and data["files"][0]["status"] == "seen before"
    assert "nothing new" in second.stderr
    assert [count(db, f"SELECT COUNT(*) FROM {t}") for t in ("papers", "tags", "sources", "dumps")] == counts
    assert count(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == 2


def test_json_summary_is_valid_json_with_per_file_counts(tmp_path: Path):
    data = summary(ok(run("-q", "ingest", "--db", tmp_path / "t.db", SAMPLE, "--json-summary")))
    assert data["run"] == 1
    assert data["files"][0]["path"] == str(SAMPLE)
    assert {"new", "merged", "unchanged", "skipped", "skip_reasons"} <= data["files"][0].keys()


def test_a_folder_ingests_only_files_whose_content_is_new(tmp_path: Path):
    pairs = sample_pairs()
    folder = tmp_path / "dumps"
    folder.mkdir()
    write_papers(folder / "a.txt", pairs[:40])
    db = tmp_path / "t.db"
    assert summary(ok(run("ingest", "--db", db, folder, "--json-summary")))["new"] == 40
    write_papers(folder / "b.txt", pairs[40:60])
    data = summary(ok(run("ingest", "--db", db, folder, "--json-summary")))
    statuses = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert statuses == {"a.txt": "seen before", "b.txt": "ingested"}
    assert data["new"] == 20
    assert count(db, "SELECT COUNT(*) FROM papers") == 60


def test_the_same_papers_with_changed_case_dashes_and_spaces_are_one_record_with_two_sources(tmp_path: Path):
    pairs = sample_pairs()[:30]
    write_papers(tmp_path / "a.txt", pairs)
    changed = [("  ".join(t.upper().replace(":", " -").split()).replace("-", "\u2013"), a) for t, a in pairs]
    write_papers(tmp_path / "b.txt", changed)
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, tmp_path / "a.txt"))
    data = summary(ok(run("ingest", "--db", db, tmp_path / "b.txt", "--json-summary")))
    assert (data["new"], data["merged"]) == (0, 30)
    assert count(db, "SELECT COUNT(*) FROM papers") == 30
    assert count(db, "SELECT COUNT(DISTINCT paper_id) FROM sources WHERE path LIKE '%b.txt'") == 30
    shown = ok(run("show", "--db", db, pairs[0][0])).stdout
    assert "sources (2)" in shown
    assert "a.txt:" in shown and "b.txt:" in shown


def test_a_near_identical_title_merges_and_verbose_prints_the_pair(tmp_path: Path):
    title = "Sparse Mixture of Experts Scale Language Models to Trillions of Parameters Cheaply"
    abstract = sample_pairs()[3][1]
    write_papers(tmp_path / "a.txt", [(title, abstract)])
    near = title.replace("Cheaply", "Cheaper")
    write_papers(tmp_path / "b.txt", [(near, abstract)])
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, tmp_path / "a.txt"))
    result = ok(run("ingest", "--db", db, tmp_path / "b.txt", "--verbose"))
    assert count(db, "SELECT COUNT(*) FROM papers") == 1
    assert near in result.stderr and title in result.stderr and "similarity" in result.stderr


def test_titles_that_differ_only_in_a_number_do_not_merge(tmp_path: Path):
    abstract = sample_pairs()[4][1]
    write_papers(tmp_path / "a.txt", [("The Llama 2 Herd of Open Foundation Language Models", abstract)])
    write_papers(tmp_path / "b.txt", [("The Llama 3 Herd of Open Foundation Language Models", abstract)])
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, tmp_path / "a.txt", tmp_path / "b.txt"))
    assert count(db, "SELECT COUNT(*) FROM papers") == 2


def arxiv_line(arxiv_id: str, title: str) -> str:
    return json.dumps(
        {"id": arxiv_id, "title": title, "abstract": "We prune large language models.", "authors": "A. B"}
    )


def test_papers_with_different_arxiv_ids_never_merge_even_with_the_same_title(tmp_path: Path):
    dump = tmp_path / "snapshot.jsonl"
    title = "Pruning Large Language Models in One Shot"
    dump.write_text(arxiv_line("2401.00001", title) + "\n" + arxiv_line("2401.00002", title) + "\n")
    other = tmp_path / "other.jsonl"
    other.write_text(arxiv_line("2401.00003", title.replace("Shot", "Shots")) + "\n")
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, "--input-format", "arxiv-snapshot", dump, other))
    assert count(db, "SELECT COUNT(*) FROM papers") == 3


def test_a_refused_file_exits_1_and_the_other_dumps_still_land(tmp_path: Path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x01" * 100)
    db = tmp_path / "t.db"
    result = ok(run("ingest", "--db", db, binary, SAMPLE), 1)
    assert "image.txt" in result.stderr and "not a text dump" in result.stderr
    assert count(db, "SELECT COUNT(*) FROM papers") == SAMPLE_PAPERS


def test_nothing_new_exits_0_and_strict_turns_skipped_records_into_exit_1(tmp_path: Path):
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, SAMPLE))
    ok(run("ingest", "--db", db, SAMPLE), 0)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(arxiv_line("2401.00009", "A Good Paper About Pruning") + "\n{not json\n")
    ok(run("ingest", "--db", db, "--input-format", "arxiv-snapshot", broken), 0)
    broken2 = tmp_path / "broken2.jsonl"
    broken2.write_text(arxiv_line("2401.00010", "Another Paper About Pruning") + "\n{not json\n")
    ok(run("ingest", "--db", db, "--strict", "--input-format", "arxiv-snapshot", broken2), 1)
    assert count(db, "SELECT COUNT(*) FROM papers") == SAMPLE_PAPERS + 2


def test_the_schema_version_is_stored_in_user_version(tmp_path: Path):
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, SAMPLE))
    assert count(db, "PRAGMA user_version") == len(MIGRATIONS)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_from_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path):
    db = tmp_path / "t.db"
    ok(run("ingest", "--db", db, SAMPLE))
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    for args in (["ingest", "--db", db, SAMPLE], ["list", "--db", db]):
        result = ok(run(*args), 1)
        assert "newer triage" in result.stderr and "upgrade" in result.stderr


def test_a_file_that_is_not_sqlite_as_db_gives_one_clear_error_line(tmp_path: Path):
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 200)
    for args in (["ingest", "--db", db, SAMPLE], ["list", "--db", db], ["show", "--db", db, "x"]):
        result = ok(run(*args), 1)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert "notes.db" in lines[0] and "not a triage database" in lines[0]
    assert db.read_text().startswith("these are my notes")


@pytest.mark.parametrize("user_version", [0, 1, 50])
def test_another_programs_sqlite_database_is_refused_and_left_as_it_was(tmp_path: Path, user_version: int):
    """`--db ~/bookmarks.sqlite` by mistake: triage's tables (and WAL mode) were written into it,
    even by `list`; one with a schema version of its own was 'updated' or blamed on a newer triage."""
    db = tmp_path / "bookmarks.sqlite"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE bookmarks (url TEXT)")
        other.execute("INSERT INTO bookmarks VALUES ('https://example.org')")
        other.execute(f"PRAGMA user_version = {user_version}")
    other.close()
    before = db.read_bytes()
    for args in (["ingest", "--db", db, SAMPLE], ["list", "--db", db], ["mark", "--db", db, "x", "accept"]):
        result = ok(run(*args), 1)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert "bookmarks.sqlite" in lines[0] and "not triage's (tables bookmarks)" in lines[0]
    assert db.read_bytes() == before
    assert not any(tmp_path.glob("bookmarks.sqlite-*"))  # no WAL switched on either


def test_the_default_database_lives_in_the_user_data_directory(tmp_path: Path, user_dirs: Path):
    ok(run("ingest", SAMPLE))
    assert (user_dirs / "data" / "triage" / "triage.db").is_file()


def test_duplicates_inside_and_across_classify_chunks_merge_as_one_paper_each(tmp_path: Path):
    """New papers are classified a chunk ahead of storing; what merges must not depend on where a
    chunk ends: a repeat next to its original, a repeat across a chunk boundary and a near-identical
    title in the same chunk are each one record, tagged as when the dump has no repeats."""
    sample = sample_pairs()
    pairs = []
    for n in range(300):  # unique words first, so no two titles are near-identical
        title, abstract = sample[n % len(sample)]
        pairs.append(
            (f"{unique_word(n).title()} {unique_word(n * 7 + 3)} {' '.join(title.split()[:5])}", abstract)
        )
    near = (pairs[200][0] + "s", pairs[200][1])  # one letter more: near-identical, same numbers
    repeats = [*pairs[:6], pairs[5], *pairs[6:128], pairs[127], *pairs[128:201], near, *pairs[201:]]
    write_papers(tmp_path / "repeats.txt", repeats)
    write_papers(tmp_path / "once.txt", pairs)
    db, once = tmp_path / "t.db", tmp_path / "once.db"
    data = summary(ok(run("ingest", "--db", db, tmp_path / "repeats.txt", "--json-summary")))
    assert (data["new"], data["merged"]) == (300, 3), data
    assert count(db, "SELECT COUNT(*) FROM papers WHERE title = ?", near[0]) == 0
    ok(run("ingest", "--db", once, tmp_path / "once.txt"))
    query = (
        "SELECT p.title, t.facet, t.tag, t.score, t.evidence FROM tags t JOIN papers p ON p.id = t.paper_id "
        "ORDER BY 1, 2, 3"
    )
    with sqlite3.connect(db) as a, sqlite3.connect(once) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def _pipe_fed_with(data: bytes) -> tuple[str, threading.Thread]:
    """A pipe, named as `<(zcat dump.gz)` names one, that a thread fills with `data` once."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return f"/dev/fd/{read_end}", thread


def test_a_pipe_is_read_once_and_whole(tmp_path: Path):
    """A dump bigger than the bytes read to detect its format, from a pipe that can be read once:
    every paper lands (no first chunk lost to the format check, none to the content hash)."""
    pipe, feeder = _pipe_fed_with(SAMPLE.read_bytes())
    data = summary(ok(run("-q", "ingest", "--db", tmp_path / "t.db", pipe, "--json-summary")))
    feeder.join(timeout=10)
    os.close(int(pipe.rsplit("/", 1)[1]))
    assert data["new"] == SAMPLE_PAPERS and data["skipped"] == 0


def test_a_lone_surrogate_in_a_json_dump_neither_crashes_nor_stops_the_run(tmp_path: Path):
    """`\\ud83d` (half an emoji) in an author name: the paper lands with U+FFFD in its place, and
    the dumps after it are still ingested (a traceback aborted the whole run)."""
    half = tmp_path / "a-half-emoji.jsonl"
    half.write_text(
        '{"id": "2401.00001", "title": "Sparse experts at scale", "abstract": "We propose x.", '
        '"authors": "Ann \\ud83d Lee", "categories": "cs.LG \\udfff"}\n',
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    result = ok(run("ingest", "--db", db, half, SAMPLE, "--json-summary"))
    assert "Traceback" not in result.output
    assert summary(result)["new"] == 1 + SAMPLE_PAPERS
    assert count(db, "SELECT COUNT(*) FROM papers WHERE authors LIKE ?", "%\ufffd%") == 1


def test_a_file_name_that_is_not_utf8_is_ingested_under_a_readable_name(tmp_path: Path):
    """`caf\\xe9.txt` (a Latin-1 name): Python holds the byte as a lone surrogate, which SQLite
    refused with a traceback; the dump lands, its name shown with U+FFFD."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    latin1 = folder / os.fsdecode(b"caf\xe9.txt")
    latin1.write_bytes(SAMPLE.read_bytes())
    db = tmp_path / "t.db"
    for given in (latin1, folder):
        result = ok(run("ingest", "--db", db, given))
        assert "Traceback" not in result.output
    assert count(db, "SELECT COUNT(*) FROM papers") == SAMPLE_PAPERS
    assert count(db, "SELECT COUNT(*) FROM dumps WHERE path LIKE ?", "%caf\ufffd.txt") == 1
    parsed = run("parse", latin1, "--format", "jsonl")
    assert parsed.exit_code == 0 and "caf\ufffd.txt" in parsed.stdout.splitlines()[0]


def test_a_folder_without_dumps_is_reported_not_silently_nothing_new(tmp_path: Path):
    """A cron line pointing at the wrong folder (empty, or dumps one level down) said only
    "nothing new"."""
    folder = tmp_path / "dumps"
    (folder / "2025").mkdir(parents=True)
    (folder / "2025" / "hf.txt").write_bytes(SAMPLE.read_bytes())
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = ok(run("-q", "ingest", "--db", tmp_path / "t.db", folder))
    assert result.stderr.strip() == (
        f"triage: warning: {folder}: no dump files in this folder "
        "(.json, .jsonl, .markdown, .md, .ndjson, .txt); subfolders are not read"
    )
    assert ok(run("-q", "ingest", "--db", tmp_path / "t.db", folder / "2025")).stderr == ""


def test_what_one_dump_merges_is_what_the_same_records_merge_one_dump_each(tmp_path: Path):
    """Papers are looked up ahead of a chunk's writes, and a chunk's new papers are written
    together: a paper stored or merged earlier in the same chunk must still count. The same arXiv
    id twice, a repeat, a near-identical title, a merge that fills in a stored paper's arXiv id (so
    a later paper with that paper's exact title but another arXiv id is new), and a date filled
    into a paper new in the same chunk (its tags carry the date too) end as they do when each
    record is a dump of its own."""
    sample = sample_pairs()
    (t0, a0), (t1, a1), (t2, a2), (t3, a3), (t4, a4) = (sample[n] for n in (0, 1, 2, 10, 11))

    def record(line: int, paper_id: str, title: str, abstract: str, **fields: object) -> dict:
        source = {"file": "papers.jsonl", "format": "triage-jsonl", "line": line}
        return {"id": paper_id, "title": title, "abstract": abstract, "source": source, **fields}

    before = [record(1, "tstored00001", t3, a3)]  # stored without an arXiv id
    records = [
        record(1, "2401.00001", t0, a0, arxiv_id="2401.00001"),
        record(2, "tother000001", "Not the same title at all " + t1, a1, arxiv_id="2401.00001"),
        record(3, "2401.00001", t0, a0, arxiv_id="2401.00001"),
        record(4, "tnear0000001", t2, a2),
        record(5, "tnear0000002", t2 + "s", a2),
        record(6, "2401.00002", t3 + "s", a3, arxiv_id="2401.00002"),  # merges, fills 2401.00002
        record(7, "2401.00003", t3, a3, arxiv_id="2401.00003"),  # no longer that stored paper
        record(8, "tstored00001", t3, a3),
        record(8, "tstored00001", t3, a3),  # the very same source again
        record(9, "tdated000001", t4, a4),
        record(10, "tdated000001", t4, a4, published="2024-02-03"),
    ]
    (tmp_path / "before.jsonl").write_text(json.dumps(before[0]) + "\n")
    (tmp_path / "all.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    singles = []
    for n, r in enumerate(records):
        singles.append(tmp_path / f"single{n}.jsonl")
        singles[-1].write_text(json.dumps(r) + "\n" + " " * n)  # distinct content each
    one, each = tmp_path / "one.db", tmp_path / "each.db"
    ok(run("ingest", "--db", one, tmp_path / "before.jsonl"))
    data = summary(ok(run("ingest", "--db", one, tmp_path / "all.jsonl", "--json-summary")))
    assert (data["new"], data["merged"], data["unchanged"]) == (4, 4, 3), data
    ok(run("ingest", "--db", each, tmp_path / "before.jsonl"))
    ok(run("ingest", "--db", each, *singles))
    query = "SELECT id, title, arxiv_id, published FROM papers ORDER BY rowid"
    tags = "SELECT paper_id, facet, tag, score, evidence, rank_static, published, status"
    tags += " FROM tags ORDER BY 1, 2, 3"
    with sqlite3.connect(one) as a, sqlite3.connect(each) as b:
        papers = a.execute(query).fetchall()
        assert papers == b.execute(query).fetchall()
        assert a.execute(tags).fetchall() == b.execute(tags).fetchall()
        dated = a.execute("SELECT DISTINCT published FROM tags WHERE paper_id = 'tdated000001'").fetchall()
    ids = ["tstored00001", "2401.00001", "tnear0000001", "2401.00003", "tdated000001"]
    assert [p[0] for p in papers] == ids
    assert papers[0][2] == "2401.00002"
    assert papers[-1][3] == "2024-02-03" and dated == [("2024-02-03",)]
