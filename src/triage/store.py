"""The SQLite store: papers, their tags with evidence, sources, ingest runs and triage decisions.

One plain SQLite file (WAL mode) that any SQLite tool can open. The schema is versioned and
migrated when the store opens. Writes happen one dump per transaction, so a run killed at any
moment leaves the database consistent and the next run completes the work.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, TypeVar

from triage.errors import TriageError, UsageError
from triage.models import Evidence, Paper, SourceRef, Tag, TaggedPaper
from triage.search import TOKENIZE

T = TypeVar("T")
ENV_DB = "TRIAGE_DB"
RANK_VERSION = "rank_version"  # meta key: the ranking.yaml version the stored rank_static follows
ENV_BUSY_TIMEOUT = "TRIAGE_BUSY_TIMEOUT"  # seconds a run waits for another one's write lock
BUSY_TIMEOUT = 60.0
CACHE_KIB = 64 * 1024  # a dump's transaction stays in the page cache instead of spilling early
DECISIONS = {"accept": "accepted", "reject": "rejected", "later": "later"}
_JSON = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per call
_JSON_LENIENT = json.JSONEncoder(ensure_ascii=False, default=str).encode
_STR = encode_basestring  # a str as _JSON writes it

# Each entry migrates the schema from version N to N+1; never edit a released step, add one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL DEFAULT 'running',   -- running | ok | incomplete (exit 1) | failed
        rules_version TEXT NOT NULL,
        files INTEGER NOT NULL DEFAULT 0,
        new INTEGER NOT NULL DEFAULT 0,
        merged INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE papers (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        title_key TEXT NOT NULL,
        sig_head TEXT NOT NULL DEFAULT '',  -- first / last content words of title_key: the blocks
        sig_tail TEXT NOT NULL DEFAULT '',  -- in which near-identical titles are looked for
        abstract TEXT NOT NULL,
        published TEXT,
        authors TEXT NOT NULL,          -- JSON list
        arxiv_id TEXT,
        urls TEXT NOT NULL,             -- JSON list
        extra TEXT NOT NULL,            -- JSON object
        source TEXT NOT NULL,           -- JSON SourceRef of the first sighting
        code TEXT NOT NULL,
        code_url TEXT,
        project_url TEXT,
        rank_static REAL NOT NULL DEFAULT 0,      -- ranking score without recency (rank.py)
        status TEXT NOT NULL DEFAULT 'untriaged',  -- untriaged | accepted | rejected | later
        note TEXT,
        first_seen TEXT NOT NULL,
        first_run INTEGER NOT NULL REFERENCES runs(id),
        rules_version TEXT NOT NULL
    );
    CREATE INDEX papers_title_key ON papers(title_key);
    CREATE INDEX papers_sig_head ON papers(sig_head, title_key);
    CREATE INDEX papers_sig_tail ON papers(sig_tail, title_key);
    CREATE INDEX papers_arxiv ON papers(arxiv_id);
    CREATE INDEX papers_published ON papers(published);
    CREATE INDEX papers_first_run ON papers(first_run);
    CREATE INDEX papers_status ON papers(status);
    CREATE TABLE tags (
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        facet TEXT NOT NULL,
        tag TEXT NOT NULL,
        score REAL NOT NULL,
        evidence TEXT NOT NULL,         -- JSON list of {rule, text, field, offset, weight}
        PRIMARY KEY (paper_id, facet, tag)  -- a rowid table: evidence rows are too large for
    );                                      -- WITHOUT ROWID to pay off (inserts 78 -> 42 us)
    CREATE INDEX tags_by_tag ON tags(facet, tag, paper_id);
    CREATE TABLE dumps (
        hash TEXT PRIMARY KEY,          -- sha256 of the file's bytes
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        papers INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        ingested TEXT NOT NULL
    );
    CREATE TABLE sources (
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        dump_hash TEXT NOT NULL REFERENCES dumps(hash),
        path TEXT NOT NULL,
        line INTEGER NOT NULL,          -- 1-based line in the dump, -1 when the format has none
        record INTEGER NOT NULL,        -- 0-based record index, -1 when the format has none
        format TEXT NOT NULL,
        PRIMARY KEY (paper_id, dump_hash, path, line, record)
    ) WITHOUT ROWID;
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        decision TEXT NOT NULL,
        note TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX decisions_paper ON decisions(paper_id, at);
    """,
    # 2: `list` ranks every matching paper by rank_static + recency(published); this covering
    # index lets it do so without reading the wide rows (abstracts, JSON) of a large store.
    """
    CREATE INDEX papers_ranking ON papers(id, status, rank_static, published);
    """,
    # 3: `list` reads the best N papers of a tag (or of the whole store) from an index ordered by
    # rank_static, and stops once no further paper can beat them (see query.Library.ranked). Each
    # tags row carries its paper's rank_static, published and status, kept in step by triggers,
    # so a tag's papers are one index range rather than one papers lookup per tagged paper.
    """
    ALTER TABLE tags ADD COLUMN rank_static REAL;  -- NULL on insert: copied from the paper
    ALTER TABLE tags ADD COLUMN published TEXT;
    ALTER TABLE tags ADD COLUMN status TEXT;
    UPDATE tags SET (rank_static, published, status) =
        (SELECT p.rank_static, p.published, p.status FROM papers p WHERE p.id = tags.paper_id);
    CREATE TRIGGER tags_copy_paper AFTER INSERT ON tags WHEN NEW.rank_static IS NULL BEGIN
        UPDATE tags SET (rank_static, published, status) =
            (SELECT p.rank_static, p.published, p.status FROM papers p WHERE p.id = NEW.paper_id)
        WHERE rowid = NEW.rowid;
    END;
    CREATE TRIGGER papers_to_tags AFTER UPDATE OF rank_static, published, status ON papers
    WHEN NEW.rank_static IS NOT OLD.rank_static OR NEW.published IS NOT OLD.published
        OR NEW.status IS NOT OLD.status BEGIN
        UPDATE tags SET rank_static = NEW.rank_static, published = NEW.published, status = NEW.status
        WHERE paper_id = NEW.id;
    END;
    DROP INDEX tags_by_tag;
    CREATE INDEX tags_ranked ON tags(facet, tag, rank_static, published, status, paper_id);
    DROP INDEX papers_ranking;
    CREATE INDEX papers_ranked ON papers(rank_static, published, status, id);
    """,
]


_TRIAGE_TABLES = {"meta", "runs", "papers", "tags", "dumps", "sources", "decisions"}  # in every schema


class StoreError(TriageError):
    """The database cannot be opened, is locked for too long, or is not a triage database."""


def default_db_path() -> Path:
    """`TRIAGE_DB`, else triage.db in the user's data directory (XDG on Linux)."""
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "triage" / "triage.db"


def busy_timeout_from_env() -> float:
    """`TRIAGE_BUSY_TIMEOUT` seconds, else the default; a bad value is a usage error."""
    raw = os.environ.get(ENV_BUSY_TIMEOUT)
    if not raw:
        return BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise UsageError(f"{ENV_BUSY_TIMEOUT}={raw!r}: give a number of seconds between 0 and 86400")
    return value


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """A connection to one database file, migrated to the current schema on open."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        busy_timeout: float | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.notify = notify or (lambda _message: None)
        self.busy_timeout = busy_timeout_from_env() if busy_timeout is None else busy_timeout
        if readonly and not self.path.exists():
            raise StoreError(f"{self.path}: no database yet; run `triage ingest DUMPS` first")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"{self.path.resolve().as_uri()}?mode=ro" if readonly else str(self.path)
            self.db = sqlite3.connect(uri, uri=readonly, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create database folder: {exc.strerror}") from exc
        try:
            self._until_free(lambda: self._configure(readonly))
        except sqlite3.DatabaseError as exc:
            self.db.close()
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise StoreError(f"{self.path}: not a triage database ({exc}); give another --db") from exc
            if _is_busy(exc):
                raise self._busy_error() from exc
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        except StoreError:
            self.db.close()
            raise

    def _configure(self, readonly: bool) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if readonly:
            if self.schema_version() == 0:
                raise StoreError(f"{self.path}: not a triage database (no schema)")
            self._check_not_newer(self._check_not_foreign())
            return
        self._check_not_foreign()
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()
        if self._search_triggers() and not fts5_available():
            self._drop_search()

    def close(self) -> None:
        self.db.close()

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _check_not_foreign(self) -> int:
        """Another program's SQLite database (a typo in --db) must not get triage's tables and WAL
        mode written into it: a file is taken when it holds no tables yet, or triage's own (a
        schema version with the tables every version has). One read transaction, so a run that
        creates the schema meanwhile is seen whole or not at all. Returns the schema version."""
        self.db.execute("BEGIN")
        try:
            version = self.schema_version()
            tables = {
                str(row[0]) for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            self.db.execute("COMMIT")
        if (version == 0 and not tables) or (version > 0 and tables >= _TRIAGE_TABLES):
            return version
        listed = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise StoreError(
            f"{self.path}: a SQLite database that is not triage's (tables {listed or 'none'}), left "
            "untouched; give another --db"
        )

    def _check_not_newer(self, version: int) -> None:
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: made by a newer triage (schema {version}, this one knows "
                f"{len(MIGRATIONS)}); upgrade triage to use it"
            )

    def _migrate(self) -> None:
        version = self.schema_version()
        self._check_not_newer(version)
        if version == len(MIGRATIONS):
            return
        with self.transaction():
            # Read again under the write lock: another process may have migrated meanwhile.
            version = self.schema_version()
            self._check_not_newer(version)
            if 0 < version < len(MIGRATIONS):
                self.notify(
                    f"{self.path}: updating the database from schema {version} to {len(MIGRATIONS)} "
                    "(once; about half a minute per million papers)"
                )
            for step in range(version, len(MIGRATIONS)):
                for statement in _statements(MIGRATIONS[step]):
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def search_ready(self) -> bool:
        return self.get_meta(SEARCH_READY) is not None

    def build_search(self) -> bool:
        """Build the search index (once; about half a minute per million papers). False when this
        SQLite has no FTS5, and `list --query` then scores every paper instead.

        The triggers come first, so papers ingested meanwhile are indexed as they land; the
        papers already stored follow in chunks, one short transaction each, so a nightly ingest
        waiting for the lock never waits long. An interrupted build resumes where it stopped."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        if not fts5_available():
            return False
        patience = self.busy_timeout
        self.busy_timeout = SEARCH_BUSY_MS / 1000  # a search gives up on the lock quickly
        self.db.execute(f"PRAGMA busy_timeout = {SEARCH_BUSY_MS}")
        try:
            with self.transaction() as db:
                for statement in _statements(SEARCH_SCHEMA):
                    db.execute(statement)
            last = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM papers").fetchone()[0]
            for low in range(0, last, SEARCH_CHUNK):
                with self.transaction() as db:
                    _index_unindexed(db, "rowid > ? AND rowid <= ?", (low, low + SEARCH_CHUNK))
            with self.transaction() as db:
                # Whatever the chunks missed (a VACUUM that renumbered rows meanwhile), then ready.
                _index_unindexed(db, "1", ())
                self.set_meta(SEARCH_READY, now())
        finally:
            self.busy_timeout = patience
            self.db.execute(f"PRAGMA busy_timeout = {int(patience * 1000)}")
        return True

    def _search_triggers(self) -> bool:
        """Whether the index's triggers are there (a build that never finished leaves them too)."""
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'search_add'"
        return self.db.execute(sql).fetchone() is not None

    def _drop_search(self) -> None:
        """This Python's SQLite has no FTS5: the index's triggers would fail every new paper, so
        they go (the next search with FTS5 rebuilds what is missing) and search scores every paper."""
        with self.transaction() as db:
            for trigger in ("search_add", "search_drop", "search_change"):
                db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_READY,))
        self.notify(f"{self.path}: this Python's SQLite has no FTS5; the search index is switched off")

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _until_free(self, step: Callable[[], T]) -> T:
        """Run `step`, retrying while SQLite answers busy, up to the busy timeout. SQLite waits by
        itself in most cases, but answers at once in some (two processes creating the same new
        database, one of them switching it to WAL)."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                return step()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise self._busy_error() from exc
                time.sleep(0.05)

    def _busy_error(self) -> StoreError:
        return StoreError(
            f"{self.path}: another triage run has been writing for over {self.busy_timeout:g}s; "
            f"try again when it has finished (or raise {ENV_BUSY_TIMEOUT})"
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, waits up to the busy timeout."""
        self._until_free(lambda: self.db.execute("BEGIN IMMEDIATE"))
        try:
            yield self.db
        except BaseException:
            # SQLite may already have rolled back (disk full, I/O error); a second ROLLBACK
            # would raise and hide the real error.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


# The search index `list --query` uses: built the first time someone searches (ingest pays for
# it only from then on), when this SQLite has FTS5. A contentless FTS5 table keyed by its own
# integer (search_keys), not by the papers' rowids, which a VACUUM may renumber.
SEARCH_READY = "search_index"  # meta key, present once the index is built
SEARCH_SCHEMA = """
    CREATE TABLE IF NOT EXISTS search_keys (
        key INTEGER PRIMARY KEY,
        paper_id TEXT NOT NULL UNIQUE   -- no foreign key: the delete trigger below needs the row
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
        title, abstract, content='', detail='none', tokenize='{tokenize}'
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS search_terms USING fts5vocab(search, 'row');
    CREATE TRIGGER IF NOT EXISTS search_add AFTER INSERT ON papers BEGIN
        INSERT INTO search_keys (paper_id) VALUES (NEW.id);
        INSERT INTO search (rowid, title, abstract) VALUES (last_insert_rowid(), NEW.title, NEW.abstract);
    END;
    CREATE TRIGGER IF NOT EXISTS search_drop AFTER DELETE ON papers BEGIN
        INSERT INTO search (search, rowid, title, abstract)
            SELECT 'delete', key, OLD.title, OLD.abstract FROM search_keys WHERE paper_id = OLD.id;
        DELETE FROM search_keys WHERE paper_id = OLD.id;
    END;
    CREATE TRIGGER IF NOT EXISTS search_change AFTER UPDATE OF title, abstract ON papers BEGIN
        INSERT INTO search (search, rowid, title, abstract)
            SELECT 'delete', key, OLD.title, OLD.abstract FROM search_keys WHERE paper_id = OLD.id;
        INSERT INTO search (rowid, title, abstract)
            SELECT key, NEW.title, NEW.abstract FROM search_keys WHERE paper_id = NEW.id;
    END;
"""
SEARCH_SCHEMA = SEARCH_SCHEMA.replace("{tokenize}", TOKENIZE)
SEARCH_CHUNK = 50_000  # papers indexed per transaction while the index is built (about 1.5 s)
SEARCH_BUSY_MS = 2_000  # how long a search waits for the write lock to build the index


def _index_unindexed(db: sqlite3.Connection, where: str, args: tuple[object, ...]) -> None:
    """Key and index the papers matching `where` that the search index does not hold yet."""
    before = db.execute("SELECT COALESCE(MAX(key), 0) FROM search_keys").fetchone()[0]
    db.execute(
        f"INSERT INTO search_keys (paper_id) SELECT id FROM papers WHERE {where} "
        "AND id NOT IN (SELECT paper_id FROM search_keys) ORDER BY rowid",
        args,
    )
    db.execute(
        "INSERT INTO search (rowid, title, abstract) SELECT k.key, p.title, p.abstract "
        "FROM search_keys k JOIN papers p ON p.id = k.paper_id WHERE k.key > ?",
        (before,),
    )


def fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(a)")
    except sqlite3.OperationalError:
        return False
    return True


def _is_busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def is_readonly(exc: sqlite3.Error) -> bool:
    """A write refused because the file (or its folder) may not be written."""
    return "readonly" in str(exc)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (a trigger's body keeps its semicolons)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    statements, pending = [], ""
    for part in "\n".join(lines).split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    return statements


# The papers columns ingest writes for a new paper, in `paper_row`'s order.
PAPER_COLUMNS = (
    "id", "title", "title_key", "sig_head", "sig_tail", "abstract", "published", "authors", "arxiv_id",
    "urls", "extra", "source", "code", "code_url", "project_url", "rank_static", "first_seen", "first_run",
    "rules_version",
)  # fmt: skip
PAPER_INSERT = (
    f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}) VALUES ({', '.join('?' * len(PAPER_COLUMNS))})"
)


def paper_row(
    tagged: TaggedPaper,
    key: str,
    run_id: int,
    rules_version: str,
    seen: str,
    rank_static: float,
    signatures: tuple[str, str],
) -> tuple[Any, ...]:
    """A new paper's papers row, in PAPER_COLUMNS order; `signatures` are `title_signatures(key)`."""
    p = tagged.paper
    head, tail = signatures
    return (
        p.id,
        p.title,
        key,
        head,
        tail,
        p.abstract,
        p.published.isoformat() if p.published else None,
        _JSON(p.authors),
        p.arxiv_id,
        _JSON(p.urls),
        _JSON_LENIENT(p.extra),
        p.source.model_dump_json(),
        code_of(tagged),
        tagged.code_url,
        tagged.project_url,
        rank_static,
        seen,
        run_id,
        rules_version,
    )


_STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "for", "and", "or", "in", "on", "at", "to", "with", "without", "via",
        "by", "from", "into", "towards", "toward", "using", "is", "are", "be", "do", "does", "can",
        "we", "our", "its", "their", "this", "that",
    }
)  # fmt: skip
SIGNATURE_WORDS = 3


def title_signatures(key: str) -> tuple[str, str]:
    """The first and last few content words of a title key. Two near-identical titles (one word
    changed, added or dropped) share at least one of them unless the title is very short."""
    words = [w for w in key.split() if w not in _STOPWORDS]
    if len(words) <= SIGNATURE_WORDS:
        return "", ""  # too short to compare fuzzily; exact keys still match
    return " ".join(words[:SIGNATURE_WORDS]), " ".join(words[-SIGNATURE_WORDS:])


def code_of(tagged: TaggedPaper) -> str:
    return next((t.id for t in tagged.tags if t.facet == "code"), "none")


# The tags columns a writer fills; rank_static, published and status are copied from the paper
# by a trigger, unless the writer knows them (TAG_INSERT_RANKED, as ingest does for new papers).
TAG_INSERT = "INSERT INTO tags (paper_id, facet, tag, score, evidence) VALUES (?,?,?,?,?)"
TAG_INSERT_RANKED = (
    "INSERT INTO tags (paper_id, facet, tag, score, evidence, rank_static, published, status) "
    "VALUES (?,?,?,?,?,?,?,?)"
)


def tag_rows(paper_id: str, tags: Iterable[Tag]) -> list[tuple[str, str, str, float, str]]:
    return [(paper_id, t.facet, t.id, t.score, evidence_json(t.evidence)) for t in tags]


def evidence_json(evidence: list[Evidence]) -> str:
    """`_JSON([e.as_dict() for e in evidence])`, the same text, written without the dicts and the
    encoder's generic walk: ingest stores every new paper's evidence (34 -> 12 us per paper)."""
    items = []
    for e in evidence:
        if type(e.offset) is not int or type(e.weight) is not float or not math.isfinite(e.weight):
            return _JSON([e.as_dict() for e in evidence])  # what the encoder spells its own way
        items.append(
            f'{{"rule": {_STR(e.rule)}, "text": {_STR(e.text)}, "field": {_STR(e.field)}, '
            f'"offset": {e.offset!r}, "weight": {e.weight!r}}}'
        )
    return f"[{', '.join(items)}]"


def ranked_tag_rows(
    paper_id: str, tags: Iterable[Tag], rank_static: float, published: str | None, status: str
) -> list[tuple[str, str, str, float, str, float, str | None, str]]:
    """A paper's tag rows for TAG_INSERT_RANKED, with the copies of its ranking fields `list`
    reads them by."""
    ranked = (rank_static, published, status)
    return [(*row, *ranked) for row in tag_rows(paper_id, tags)]


def insert_tags(
    db: sqlite3.Connection,
    paper_id: str,
    tags: Iterable[Tag],
    rank_static: float,
    published: str | None,
    status: str,
) -> None:
    """A paper's tag rows, with the copies of its ranking fields `list` reads them by."""
    db.executemany(TAG_INSERT_RANKED, ranked_tag_rows(paper_id, tags, rank_static, published, status))


def paper_from_row(row: sqlite3.Row) -> Paper:
    return Paper.model_construct(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
        authors=json.loads(row["authors"]),
        arxiv_id=row["arxiv_id"],
        urls=json.loads(row["urls"]),
        source=SourceRef.model_validate_json(row["source"]),
        extra=json.loads(row["extra"]),
    )


def tags_from_rows(rows: Iterable[sqlite3.Row]) -> list[Tag]:
    return [
        Tag(r["facet"], r["tag"], r["score"], [Evidence(**e) for e in json.loads(r["evidence"])])
        for r in rows
    ]
