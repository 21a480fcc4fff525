"""kill -9 in the middle of a dump, two ingests at once, and a store waiting for the write lock."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_helpers import count, ok, run, triage_process, write_dump

SMALL = 200
LARGE = 6000  # several seconds of classification: long enough to be killed in the middle


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def committed_dumps(db: Path) -> int:
    try:
        return count(db, "SELECT COUNT(*) FROM dumps")
    except sqlite3.OperationalError:  # not created (or not migrated) yet
        return 0


def test_a_run_killed_mid_dump_leaves_a_consistent_database_and_the_rerun_completes(tmp_path: Path):
    small, large = tmp_path / "a-small.txt", tmp_path / "b-large.txt"
    titles = write_dump(small, SMALL) + write_dump(large, LARGE, start=SMALL)
    db = tmp_path / "t.db"
    proc = triage_process("-q", "ingest", "--db", db, small, large)
    wait_for(lambda: committed_dumps(db) == 1 or proc.poll() is not None)
    time.sleep(1.0)  # well into the large dump's transaction
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    assert integrity(db) == "ok"
    assert count(db, "SELECT COUNT(*) FROM papers") == SMALL  # the small dump, none of the large
    assert count(db, "SELECT COUNT(*) FROM sources WHERE path LIKE '%b-large.txt'") == 0

    result = ok(run("ingest", "--db", db, small, large, "--json-summary"))
    assert '"new": 6000' in result.stdout
    assert integrity(db) == "ok"
    with sqlite3.connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT title FROM papers")]
    assert sorted(stored) == sorted(titles)  # exactly the expected papers: no duplicates, none missing
    assert count(db, "SELECT COUNT(*) FROM dumps") == 2


def test_ctrl_c_mid_dump_exits_130_keeping_the_finished_dumps_only(tmp_path: Path):
    small, large = tmp_path / "a-small.txt", tmp_path / "b-large.txt"
    write_dump(small, SMALL)
    write_dump(large, LARGE, start=SMALL)
    db = tmp_path / "t.db"
    proc = triage_process("-q", "ingest", "--db", db, small, large)
    wait_for(lambda: committed_dumps(db) == 1 or proc.poll() is not None)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "triage: error: interrupted; nothing half-written was kept (an ingest keeps the dumps it "
        "finished: run it again for the rest)"
    ]
    assert integrity(db) == "ok"
    assert count(db, "SELECT COUNT(*) FROM papers") == SMALL
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("failed",)]


def test_two_ingests_started_together_on_a_new_database_both_land(tmp_path: Path):
    dumps = [tmp_path / "a.txt", tmp_path / "b.txt"]
    titles = write_dump(dumps[0], 800) + write_dump(dumps[1], 800, start=800)
    db = tmp_path / "t.db"
    procs = [triage_process("-q", "ingest", "--db", db, dump) for dump in dumps]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert integrity(db) == "ok"
    assert count(db, "SELECT COUNT(*) FROM papers") == len(titles) == 1600
    assert count(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == 2


def test_two_ingests_of_the_same_dump_at_once_store_it_once(tmp_path: Path):
    dump = tmp_path / "a.txt"
    write_dump(dump, 500)
    db = tmp_path / "t.db"
    procs = [triage_process("-q", "ingest", "--db", db, dump) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert count(db, "SELECT COUNT(*) FROM papers") == 500
    assert count(db, "SELECT COUNT(*) FROM dumps") == 1


def hold_write_lock(db: Path, seconds: float, until: threading.Event | None = None) -> threading.Thread:
    """Another writer: takes the write lock and keeps it for `seconds`, or until `until` is set
    (at most 60 s), so a slow machine cannot end the hold before the code under test asks."""
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        if until is None:
            time.sleep(seconds)
        else:
            until.wait(60)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    write_dump(tmp_path / "seed.txt", 20)
    ok(run("ingest", "--db", path, tmp_path / "seed.txt"))
    return path


def test_a_store_locked_by_another_writer_waits_for_it(db: Path, tmp_path: Path, monkeypatch):
    write_dump(tmp_path / "more.txt", 20, start=20)
    monkeypatch.setenv("TRIAGE_BUSY_TIMEOUT", "20")
    holder = hold_write_lock(db, 0.8)
    started = time.monotonic()
    ok(run("ingest", "--db", db, tmp_path / "more.txt"))
    assert time.monotonic() - started >= 0.5
    holder.join()
    assert count(db, "SELECT COUNT(*) FROM papers") == 40


def test_a_lock_held_past_the_busy_timeout_is_one_clear_error(db: Path, tmp_path: Path, monkeypatch):
    write_dump(tmp_path / "more.txt", 20, start=20)
    monkeypatch.setenv("TRIAGE_BUSY_TIMEOUT", "0.2")
    done = threading.Event()
    holder = hold_write_lock(db, 0, until=done)
    result = ok(run("ingest", "--db", db, tmp_path / "more.txt"), 1)
    done.set()
    holder.join()
    assert "another triage run has been writing" in result.stderr
    assert "TRIAGE_BUSY_TIMEOUT" in result.stderr
    assert count(db, "SELECT COUNT(*) FROM papers") == 20


def test_a_bad_busy_timeout_is_a_usage_error(db: Path, monkeypatch):
    monkeypatch.setenv("TRIAGE_BUSY_TIMEOUT", "soon")
    assert "TRIAGE_BUSY_TIMEOUT" in ok(run("list", "--db", db), 2).stderr
