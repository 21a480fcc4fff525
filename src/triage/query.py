"""Reading and updating the store: filtered, ranked lists; one paper; decisions; retag; counts."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from triage import search
from triage.errors import UsageError
from triage.models import TaggedPaper
from triage.rank import CODE_VALUES, Ranker, expand_tag
from triage.store import (
    DECISIONS,
    RANK_VERSION,
    Store,
    StoreError,
    code_of,
    fts5_available,
    insert_tags,
    now,
    paper_from_row,
    tags_from_rows,
)

STATUSES = ("accepted", "rejected", "later", "untriaged")
SORTS = ("score", "date", "title")
QUERY_CUTOFF = 85.0
TITLE_BONUS = 5  # a query found in the title ranks before the same found in the abstract
QUERY_PIECE = 500  # papers whose texts `--query` reads at once
NEWS_WINDOW = "first_run > ? AND first_run <= ?"  # papers of the runs `--new` shows
SEARCH_MIN_PAPERS = 20_000  # below this, `--query` scores every paper without an index

if TYPE_CHECKING:
    from triage.classify import Classifier


@dataclass
class Filters:
    """What `list` and `export` select; tags are names as typed (id, facet:id or group)."""

    tags: list[str] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    new: bool = False
    status: list[str] = field(default_factory=list)
    query: str | None = None
    limit: int | None = None
    sort: str = "score"
    news_runs: int = 1  # with `new`: how many runs' papers are news (set when selecting)

    def describe(self) -> str:
        parts = [f"tag {t}" for t in self.tags]
        parts += [f"since {self.since}"] if self.since else []
        parts += [f"until {self.until}"] if self.until else []
        if self.new:
            parts.append(
                "new in the latest run"
                if self.news_runs <= 1
                else f"new in the latest {self.news_runs} runs (those before the last did not end ok)"
            )
        parts += [f"status {'/'.join(self.status)}"] if self.status else []
        parts += [f"query {self.query!r}"] if self.query else []
        return ", ".join(parts) or "all papers"


@dataclass
class Listed:
    tagged: TaggedPaper
    score: float
    status: str
    note: str | None
    first_seen: str
    sources: int


def resolve_tag(name: str, classifier: Classifier) -> list[str]:
    """facet:id keys a typed tag stands for; a misspelt tag is a usage error naming the closest ones."""
    keys = expand_tag(name, classifier.taxonomy)
    if keys:
        return keys
    from rapidfuzz import fuzz, process

    known = vocabulary(classifier)
    close = [m[0] for m in process.extract(name, known, scorer=fuzz.WRatio, limit=3, score_cutoff=60)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `triage tags` lists them"
    raise UsageError(f"unknown tag {name!r}{hint}")


def vocabulary(classifier: Classifier) -> list[str]:
    tax = classifier.taxonomy
    names = {t for f in tax.facets.values() for t in f.tags} | {
        f"{f}:{t}" for f, d in tax.facets.items() for t in d.tags
    }
    names |= {d.group for f in tax.facets.values() for d in f.tags.values() if d.group}
    return sorted(names | set(CODE_VALUES))


class Library:
    """Queries over one store, with the classifier and ranker that give tags and scores meaning."""

    def __init__(
        self, store: Store, classifier: Classifier, ranker: Ranker, today: dt.date | None = None
    ) -> None:
        self.store = store
        self.db = store.db
        self.db.row_factory = sqlite3.Row
        self.classifier = classifier
        self.ranker = ranker
        self.today = today or dt.date.today()
        self.recency = self._recency_sql()
        self.notify: Callable[[str], None] = lambda _message: None  # progress notes for the user

    def _recency_sql(self) -> str:
        """Recency as a SQL expression, so ranking a million rows stays inside SQLite's C code.

        The same figure as `Ranker.recency`: weight x 0.5 ** (age in days / half-life).
        """
        try:
            self.db.execute("SELECT pow(0.5, 1.0)")
        except sqlite3.OperationalError:  # an SQLite built without its math functions
            self.db.create_function("pow", 2, math.pow, deterministic=True)
        rec = self.ranker.ranking.recency
        age = f"max(julianday('{self.today.isoformat()}') - julianday(p.published), 0)"
        return (  # rounded as Ranker.recency rounds it, so `list` and `show` agree to the digit
            f"(CASE WHEN p.published IS NULL THEN 0.0 "
            f"ELSE round({float(rec.weight)!r} * pow(0.5, {age} / {float(rec.half_life_days)!r}), 4) END)"
        )

    def refresh_ranks(self) -> int:
        """Recompute stored static scores when ranking.yaml changed since they were computed."""
        version = self.ranker.ranking.version()
        if self.store.get_meta(RANK_VERSION) == version:
            return 0
        count = 0
        with self.store.transaction() as db:
            for tagged in self._iter_tagged("SELECT * FROM papers", ()):
                db.execute(
                    "UPDATE papers SET rank_static = ? WHERE id = ?",
                    (self.ranker.static_score(tagged), tagged.paper.id),
                )
                count += 1
            self.store.set_meta(RANK_VERSION, version)
        return count

    def select(self, filters: Filters) -> list[Listed]:
        """Two steps: rank the matching ids (a narrow sort), then load only the papers shown."""
        # Accepted and later papers are few: their own index finds them faster than reading the
        # best-ranked papers until enough turn up (SQLite's statistics see a column of mostly
        # `untriaged` and would not use it, hence INDEXED BY). Rejected ones can be many.
        decided_only = (
            bool(filters.status)
            and set(filters.status) <= {"accepted", "later"}
            and not filters.tags
            and not filters.query
        )
        if filters.sort == "score" and not filters.query and not decided_only:
            ids = self.ranked(filters)
        else:
            where, args = self._conditions(filters, "p", "p.id", filters.tags)
            if filters.query:
                match = self._search_match(filters.query)
                if match == "":
                    return []
                if match is not None:
                    where.append(
                        "p.id IN (SELECT k.paper_id FROM search_keys k WHERE k.key IN "
                        "(SELECT rowid FROM search WHERE search MATCH ?))"
                    )
                    args.append(match)
            order = {
                "score": "score DESC, p.published DESC, p.id",
                "date": "p.published DESC, score DESC, p.id",
                "title": "p.title COLLATE NOCASE, p.id",
            }[filters.sort]
            limit = "" if filters.query or filters.limit is None else f" LIMIT {int(filters.limit)}"
            sql = (
                f"SELECT p.id, p.rank_static + {self.recency} AS score "
                f"FROM papers p{' INDEXED BY papers_status' if decided_only else ''} "
                f"WHERE {' AND '.join(where) or '1'} ORDER BY {order}{limit}"
            )
            ids = [str(row["id"]) for row in self.db.execute(sql, args)]
            if filters.query:
                ids = self._fuzzy(ids, filters.query, filters.limit)
        return [self._listed(self._full_row(paper_id)) for paper_id in ids]

    def ranked(self, filters: Filters) -> list[str]:
        """Ids of the best papers by score (rank_static + recency), best first.

        Read from an index ordered by rank_static: the first tag's own rows (each carries its
        paper's rank_static, published and status), or all papers when no tag is asked for.
        With a limit, a first look at the top `limit` by rank_static alone gives a score the
        answer must reach; since recency adds at most the recency of the newest paper, rows whose
        rank_static is lower than that score minus it cannot make the list, and are not read.
        """
        keys = resolve_tag(filters.tags[0], self.classifier) if filters.tags else []
        sources = [
            ("tags t", "t.paper_id", ["t.facet = ?", "t.tag = ?"], key.split(":", 1)) for key in keys
        ] or [("papers t", "t.id", [], [])]
        recency = self.recency.replace("p.published", "t.published")
        pid = sources[0][1]
        common, common_args = self._conditions(filters, "t", pid, filters.tags[1:])
        parts: list[tuple[str, list[object]]] = []
        for table, pid, where, args in sources:
            parts.append(
                (
                    f"SELECT {pid} AS id, t.rank_static + {recency} AS score, t.published AS published "
                    f"FROM {table} WHERE {' AND '.join([*where, *common]) or '1'}",
                    [*args, *common_args],
                )
            )
        bound = self._score_bound(parts, filters.limit) if filters.limit else None
        floor = "" if bound is None else " AND t.rank_static >= ?"
        union = " UNION ALL ".join(sql + floor for sql, _ in parts)
        floor_args: list[object] = [] if bound is None else [bound]
        all_args = [a for _, part_args in parts for a in [*part_args, *floor_args]]
        limit = "" if filters.limit is None else f" LIMIT {int(filters.limit)}"
        # A paper has one row per source; with several (a group's tags) keep its best.
        grouped = f"SELECT id, MAX(score) AS score, published FROM ({union}) GROUP BY id"
        rows = self.db.execute(
            f"{grouped if len(parts) > 1 else union} ORDER BY score DESC, published DESC, id{limit}",
            all_args,
        ).fetchall()
        return [row["id"] for row in rows]

    def _score_bound(self, parts: list[tuple[str, list[object]]], limit: int) -> float | None:
        """The lowest rank_static a paper can have and still be among the best `limit`, or None."""
        best: dict[str, float] = {}
        for sql, args in parts:
            for row in self.db.execute(f"{sql} ORDER BY t.rank_static DESC LIMIT {int(limit)}", args):
                best[row["id"]] = max(best.get(row["id"], row["score"]), row["score"])
        if len(best) < limit:
            return None  # fewer papers match than asked for: read them all
        reach = sorted(best.values(), reverse=True)[limit - 1]
        newest = self.db.execute("SELECT MAX(published) FROM papers").fetchone()[0]
        # The most recency any paper can add: the newest paper's, or 0 (an undated or very old
        # paper) when the weight is negative.
        most = self.ranker.recency(dt.date.fromisoformat(newest), self.today).points if newest else 0.0
        return reach - max(most, 0.0) - 1e-6

    def _conditions(
        self, filters: Filters, row: str, pid: str, tags: list[str]
    ) -> tuple[list[str], list[object]]:
        """SQL conditions for the filters on a row (a papers row, or a tags row, which carries its
        paper's published and status) whose paper id is `pid`; `tags` are the tag filters."""
        where: list[str] = []
        args: list[object] = []
        for name in tags:
            keys = resolve_tag(name, self.classifier)
            clause = " OR ".join("(o.facet = ? AND o.tag = ?)" for _ in keys)
            where.append(f"EXISTS (SELECT 1 FROM tags o WHERE o.paper_id = {pid} AND ({clause}))")
            args += [part for key in keys for part in key.split(":", 1)]
        if filters.since:
            where.append(f"{row}.published >= ?")
            args.append(filters.since.isoformat())
        if filters.until:
            where.append(f"{row}.published <= ?")
            args.append(filters.until.isoformat())
        if filters.new:
            window, filters.news_runs = self._news_runs()
            where.append(f"{pid} IN (SELECT id FROM papers WHERE {NEWS_WINDOW})")
            args += window
        statuses = filters.status or ["accepted", "later", "untriaged"]
        if "all" not in statuses:
            where.append(f"{row}.status IN ({', '.join('?' * len(statuses))})")
            args += statuses
        return where, args

    def _news_runs(self) -> tuple[tuple[int, int], int]:
        """`--new`: the runs (after the first, up to the second) whose papers are news, and how
        many of those runs stored papers.

        Up to the latest run that has finished (one still going is left out until it ends), the
        papers of the latest run that stored any, so a re-run that adds nothing keeps yesterday's
        news; together with those of the runs before it that did not end `ok`: a night whose
        ingest exited 1 (a refused file), was interrupted, or was killed after some dumps landed
        skipped its digest (`ingest && export --new`), and the next digest holds its papers.
        """
        finished = self.db.execute("SELECT MAX(id) FROM runs WHERE status != 'running'").fetchone()[0]
        if finished is None:
            return (0, 0), 0
        latest = self.db.execute(
            "SELECT MAX(first_run) FROM papers WHERE first_run <= ?", (finished,)
        ).fetchone()[0]
        if latest is None:
            return (0, 0), 0
        before = self.db.execute(
            "SELECT MAX(id) FROM runs WHERE id < ? AND status = 'ok'", (latest,)
        ).fetchone()[0]
        window = (int(before or 0), int(finished))
        runs = self.db.execute(f"SELECT COUNT(DISTINCT first_run) FROM papers WHERE {NEWS_WINDOW}", window)
        return window, int(runs.fetchone()[0])

    def _full_row(self, paper_id: str) -> sqlite3.Row:
        row: sqlite3.Row = self.db.execute(
            f"SELECT p.*, p.rank_static + {self.recency} AS score, "
            "(SELECT COUNT(DISTINCT s.path) FROM sources s WHERE s.paper_id = p.id) AS n_sources "
            "FROM papers p WHERE p.id = ?",
            (paper_id,),
        ).fetchone()
        return row

    def _search_match(self, query: str) -> str | None:
        """The FTS5 expression for the papers worth scoring against `query` (see triage.search),
        "" when none can match, or None to score every paper (a small store, or no index)."""
        if not self._search_index():
            return None
        return search.match_expression(self.db, query)

    def _search_index(self) -> bool:
        """Whether the search index is there, building it for a store large enough to need it."""
        if self.store.search_ready():
            return True
        if self.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] < SEARCH_MIN_PAPERS:
            return False  # scoring every paper takes well under a second
        if not fts5_available():
            return False
        self.notify("building the search index (once; about half a minute per million papers)")
        try:
            return self.store.build_search()
        except (StoreError, sqlite3.OperationalError) as exc:  # read-only, or a run holds the lock
            self.notify(f"no search index ({exc}); scoring every paper this time")
            return False

    def _fuzzy(self, ids: list[str], query: str, limit: int | None) -> list[str]:
        """Typo-tolerant search: the best-aligned stretch of title + abstract must be close to the
        query (rapidfuzz partial ratio); title matches rank first, then the order of `ids`.

        The texts are read in pieces, in the order of `ids`, and reading stops once `limit`
        papers have the query in their title as written: none after them can rank higher. So a
        common query ("neural network") on a large store reads a few pieces, not every abstract.
        """
        from rapidfuzz import fuzz, utils

        wanted = utils.default_process(query)
        scored: list[tuple[float, int, str]] = []
        best = 0  # papers with the highest score there is (the query in the title)
        for at in range(0, len(ids), QUERY_PIECE):
            piece = ids[at : at + QUERY_PIECE]
            texts = {
                str(row["id"]): (row["title"], row["abstract"])
                for row in self.db.execute(
                    f"SELECT id, title, abstract FROM papers WHERE id IN ({', '.join('?' * len(piece))})",
                    piece,
                )
            }
            for i, paper_id in enumerate(piece, start=at):
                if paper_id not in texts:
                    continue  # merged into another by an ingest since the ids were read
                title, abstract = texts[paper_id]
                in_title = fuzz.partial_ratio(wanted, utils.default_process(title)) + TITLE_BONUS
                score = in_title
                if in_title < 100:  # else no abstract can score higher than the title did
                    body = utils.default_process(abstract)
                    score = max(in_title, fuzz.partial_ratio(wanted, body, score_cutoff=QUERY_CUTOFF))
                if score >= QUERY_CUTOFF:
                    scored.append((-score, i, paper_id))
                    best += score >= 100 + TITLE_BONUS
            if limit is not None and best >= limit:
                break
        return [paper_id for _, _, paper_id in sorted(scored)][:limit]

    def _listed(self, row: sqlite3.Row) -> Listed:
        tagged = self._tagged(row)
        return Listed(
            tagged, round(row["score"], 3), row["status"], row["note"], row["first_seen"], row["n_sources"]
        )

    def _tagged(self, row: sqlite3.Row) -> TaggedPaper:
        tags = tags_from_rows(
            self.db.execute("SELECT * FROM tags WHERE paper_id = ? ORDER BY facet, score DESC", (row["id"],))
        )
        return TaggedPaper(paper_from_row(row), tags, row["code_url"], row["project_url"])

    def _iter_tagged(self, sql: str, args: tuple[object, ...]) -> Iterator[TaggedPaper]:
        for row in self.db.execute(sql, args):  # streamed: a million papers need not fit in memory
            yield self._tagged(row)

    def find(self, ref: str) -> sqlite3.Row:
        """One paper by id, id prefix, arXiv id or title fragment; ambiguity is a usage error."""
        rows = self.db.execute(
            "SELECT * FROM papers WHERE id = ? UNION SELECT * FROM papers WHERE arxiv_id = ?", (ref, ref)
        ).fetchall()
        if not rows:  # an id prefix: a range on the primary key (LIKE would scan every paper)
            rows = self.db.execute(
                "SELECT * FROM papers WHERE id >= ? AND id < ? ORDER BY id LIMIT 6", (ref, ref + "\uffff")
            ).fetchall()
        if not rows:
            rows = self.db.execute(
                "SELECT * FROM papers WHERE title LIKE ? ESCAPE '\\' LIMIT 6", ("%" + _like(ref) + "%",)
            ).fetchall()
        if not rows:
            raise UsageError(f"no paper matches {ref!r}; use an id from `triage list` or part of a title")
        if len(rows) > 1:
            options = "; ".join(f"{r['id']} {r['title'][:50]}" for r in rows[:5])
            raise UsageError(f"{ref!r} matches several papers ({options}); give more of the id or title")
        found: sqlite3.Row = rows[0]
        return found

    def show(self, ref: str) -> tuple[Listed, list[sqlite3.Row], list[sqlite3.Row]]:
        row = self.find(ref)
        full = self._full_row(row["id"])
        # One line per place: an edited file re-ingested lists the paper again under a new hash.
        sources = self.db.execute(
            "SELECT path, line, record, format, MIN(dump_hash) AS dump_hash FROM sources "
            "WHERE paper_id = ? GROUP BY path, line, record, format ORDER BY path, line, record",
            (row["id"],),
        ).fetchall()
        decisions = self.db.execute(
            "SELECT * FROM decisions WHERE paper_id = ? ORDER BY at, id", (row["id"],)
        ).fetchall()
        return self._listed(full), sources, decisions

    def mark(self, ref: str, decision: str, note: str | None) -> tuple[str, str]:
        row = self.find(ref)
        status = DECISIONS[decision]
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO decisions (paper_id, decision, note, at) VALUES (?,?,?,?)",
                (row["id"], status, note, now()),
            )
            db.execute(
                "UPDATE papers SET status = ?, note = COALESCE(?, note) WHERE id = ?",
                (status, note, row["id"]),
            )
        return row["id"], row["title"]

    def retag(self) -> list[tuple[str, str, list[str], list[str]]]:
        """Reapply the current rules to every stored paper; returns (id, title, removed, added) per change."""
        version = self.classifier.version()
        changes = []
        with self.store.transaction() as db:
            for row in db.execute("SELECT * FROM papers").fetchall():
                old = {
                    f"{r['facet']}:{r['tag']}"
                    for r in db.execute("SELECT facet, tag FROM tags WHERE paper_id = ?", (row["id"],))
                }
                tagged = self.classifier.classify(paper_from_row(row))
                new = {t.key for t in tagged.tags}
                static = self.ranker.static_score(tagged)
                db.execute(
                    "UPDATE papers SET code = ?, code_url = ?, project_url = ?, rules_version = ?, "
                    "rank_static = ? WHERE id = ?",
                    (code_of(tagged), tagged.code_url, tagged.project_url, version, static, row["id"]),
                )
                db.execute("DELETE FROM tags WHERE paper_id = ?", (row["id"],))
                insert_tags(db, row["id"], tagged.tags, static, row["published"], row["status"])
                if old != new:
                    changes.append((row["id"], row["title"], sorted(old - new), sorted(new - old)))
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", (RANK_VERSION, self.ranker.ranking.version())
            )
        return changes

    def tag_counts(self) -> dict[str, int]:
        return {
            f"{r[0]}:{r[1]}": r[2]
            for r in self.db.execute("SELECT facet, tag, COUNT(*) FROM tags GROUP BY facet, tag")
        }

    def month_counts(self) -> list[tuple[str, int]]:
        return [
            (r[0] or "undated", r[1])
            for r in self.db.execute(
                "SELECT substr(published, 1, 7) AS month, COUNT(*) FROM papers GROUP BY month ORDER BY month"
            )
        ]

    def totals(self) -> dict[str, int]:
        row = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM papers), (SELECT COUNT(*) FROM dumps), "
            "(SELECT COUNT(*) FROM runs), "
            "(SELECT COUNT(*) FROM papers WHERE status <> 'untriaged')"
        ).fetchone()
        return {"papers": row[0], "dumps": row[1], "runs": row[2], "triaged": row[3]}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
