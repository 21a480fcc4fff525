"""`list` ranks from an index and skips rows that cannot make the list: it must give exactly the
order a full sort gives, and the tags rows' copies of rank_static / published / status must
follow the papers through migration, decisions, retag and ranking changes."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from store_helpers import SAMPLE, ingester

from triage.query import Filters, Library
from triage.store import MIGRATIONS, TAG_INSERT, Store

TODAY = dt.date(2026, 1, 31)
METHODS = ["pruning", "quantization", "distillation", "low-rank", "llm", "diffusion"]


def fill(library: Library, n: int, seed: int) -> None:
    """n papers with tied and spread scores, shared dates, a few undated, random statuses."""
    rng = random.Random(seed)
    db = library.store.db
    with library.store.transaction():
        run = db.execute("INSERT INTO runs (started, rules_version, new) VALUES ('x', 'x', 1) RETURNING id")
        run_id = run.fetchone()[0]
        for i in range(n):
            published = (
                None if i % 17 == 0 else (TODAY - dt.timedelta(days=rng.randrange(0, 400))).isoformat()
            )
            db.execute(
                "INSERT INTO papers (id, title, title_key, abstract, published, authors, urls, extra, "
                "source, code, rank_static, status, first_seen, first_run, rules_version) "
                "VALUES (?, ?, ?, '', ?, '[]', '[]', '{}', '{}', 'none', ?, ?, 'x', ?, 'x')",
                (
                    f"p{i:04d}",
                    f"T {i}",
                    f"t {i}",
                    published,
                    rng.choice([1.0, 2.0, 2.5, round(rng.uniform(0, 6), 3)]),
                    rng.choice(["untriaged", "untriaged", "accepted", "later", "rejected"]),
                    run_id,
                ),
            )
            for method in rng.sample(METHODS, rng.randrange(1, 3)):
                db.execute(TAG_INSERT, (f"p{i:04d}", "method", method, 1.0, "[]"))
            db.execute(TAG_INSERT, (f"p{i:04d}", "domain", rng.choice(["vision", "language"]), 1.0, "[]"))


def full_sort(library: Library, filters: Filters) -> list[str]:
    """The reference: every matching paper scored in Python, sorted as `list` promises."""
    db = library.store.db
    keys = [set(_keys(library, name)) for name in filters.tags]
    statuses = filters.status or ["accepted", "later", "untriaged"]
    scored = []
    for pid, static, published, status in db.execute("SELECT id, rank_static, published, status FROM papers"):
        tags = {f"{f}:{t}" for f, t in db.execute("SELECT facet, tag FROM tags WHERE paper_id = ?", (pid,))}
        if any(not (tags & wanted) for wanted in keys):
            continue
        if "all" not in statuses and status not in statuses:
            continue
        date = dt.date.fromisoformat(published) if published else None
        if filters.since and (date is None or date < filters.since):
            continue
        score = static + library.ranker.recency(date, TODAY).points
        scored.append((-round(score, 9), -(date.toordinal() if date else 0), pid))
    return [pid for *_, pid in sorted(scored)][: filters.limit]


def _keys(library: Library, name: str) -> list[str]:
    from triage.query import resolve_tag

    return resolve_tag(name, library.classifier)


@pytest.fixture
def filled(library: Callable[..., Library]) -> Library:
    lib = library()
    lib.today = TODAY
    lib.recency = lib._recency_sql()
    fill(lib, 700, seed=3)
    return lib


@pytest.mark.parametrize(
    "filters",
    [
        Filters(tags=["pruning"], limit=10),
        Filters(tags=["pruning"], limit=1),
        Filters(tags=["compression"], limit=25),
        Filters(tags=["compression", "vision"], limit=15),
        Filters(tags=["llm"], limit=40, status=["all"]),
        Filters(tags=["diffusion"], limit=30, since=TODAY - dt.timedelta(days=60)),
        Filters(limit=50),
        Filters(limit=5, status=["rejected"]),
        Filters(tags=["quantization"], limit=10_000),
    ],
    ids=lambda f: f.describe() + f" limit {f.limit}",
)
def test_ranked_lists_exactly_what_a_full_sort_gives(filled: Library, filters: Filters) -> None:
    assert filled.ranked(filters) == full_sort(filled, filters)


def test_a_new_paper_with_full_recency_still_reaches_the_top(filled: Library) -> None:
    """The skip bound allows for the newest paper's recency: a low static score published today
    beats older papers with a higher one."""
    db = filled.store.db
    top_static = db.execute("SELECT MAX(rank_static) FROM papers").fetchone()[0]
    with filled.store.transaction():
        db.execute(
            "UPDATE papers SET published = ?, rank_static = ?, status = 'untriaged' WHERE id = 'p0001'",
            (TODAY.isoformat(), top_static - 1.5),
        )
        db.execute(TAG_INSERT, ("p0001", "method", "pruning", 1.0, "[]"))
    by_static = [r[0] for r in db.execute("SELECT id FROM papers ORDER BY rank_static DESC LIMIT 3")]
    assert "p0001" not in by_static
    listed = filled.ranked(Filters(tags=["pruning"], limit=3))
    assert "p0001" in listed
    assert listed == full_sort(filled, Filters(tags=["pruning"], limit=3))


def tag_copies_match(db: sqlite3.Connection) -> bool:
    rows = db.execute(
        "SELECT COUNT(*) FROM tags t JOIN papers p ON p.id = t.paper_id "
        "WHERE t.rank_static IS NOT p.rank_static OR t.published IS NOT p.published "
        "OR t.status IS NOT p.status"
    ).fetchone()
    return rows[0] == 0


def test_tags_follow_their_papers_through_decisions_retag_and_ranking(
    library: Callable[..., Library],
) -> None:
    lib = library()
    ingester(lib).run([str(SAMPLE)], lambda _m: None)
    db = lib.store.db
    assert tag_copies_match(db)
    pid = db.execute("SELECT paper_id FROM tags WHERE tag = 'pruning' LIMIT 1").fetchone()[0]
    lib.mark(pid, "reject", "off topic")
    statuses = db.execute("SELECT DISTINCT status FROM tags WHERE paper_id = ?", (pid,)).fetchall()
    assert [tuple(s) for s in statuses] == [("rejected",)]
    assert pid not in lib.ranked(Filters(tags=["pruning"], limit=50))
    with lib.store.transaction():
        db.execute("UPDATE papers SET rank_static = rank_static + 1")
    lib.retag()
    assert tag_copies_match(db)


def test_a_version_2_store_gains_the_tag_copies_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    db = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO runs (started, rules_version) VALUES ('x', 'x')")
    db.execute(
        "INSERT INTO papers (id, title, title_key, abstract, published, authors, urls, extra, source, code, "
        "rank_static, status, first_seen, first_run, rules_version) "
        "VALUES ('a', 'A', 'a', '', '2025-01-02', '[]', '[]', '{}', '{}', 'none', 3.5, 'later', 'x', 1, 'x')"
    )
    db.execute("INSERT INTO tags VALUES ('a', 'method', 'pruning', 2.0, '[]')")
    db.close()
    store = Store(path)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        row = store.db.execute(
            "SELECT rank_static, published, status FROM tags WHERE paper_id = 'a'"
        ).fetchone()
        assert tuple(row) == (3.5, "2025-01-02", "later")
        assert tag_copies_match(store.db)
    finally:
        store.close()


@pytest.mark.parametrize("weight", [-1.0, 0.0, 10.0])
def test_any_recency_weight_ranks_like_a_full_sort(
    library: Callable[..., Library], tmp_path: Path, weight: float
) -> None:
    """A negative weight makes recency a penalty: the bound must not assume it only adds."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "ranking.yaml").write_text(f"recency: {{weight: {weight}, half_life_days: 30}}\n")
    lib = library(config=config)
    lib.today = TODAY
    lib.recency = lib._recency_sql()
    fill(lib, 400, seed=5)
    for filters in (
        Filters(tags=["pruning"], limit=1),
        Filters(tags=["compression"], limit=7),
        Filters(limit=9),
    ):
        assert lib.ranked(filters) == full_sort(lib, filters)
