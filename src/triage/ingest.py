"""Ingest: parse, classify and store dumps, one transaction per dump, skipping content seen before.

The same paper in several dumps becomes one record with every source: same id or arXiv id,
the same normalised title, or (rapidfuzz) a near-identical title among papers whose titles
start alike.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from rapidfuzz import fuzz, process, utils

from triage.classify import Classifier
from triage.config import ConfigDirs, StrictModel, load_model
from triage.errors import ExitCode, InputError, TriageError
from triage.models import Paper, Skipped, TaggedPaper
from triage.parse import ParseOptions, parse_dump
from triage.parse.source import Dump, display_name, open_dump
from triage.parse.triage_jsonl import DecisionEntry, ExportedDecision, ExportedPaper
from triage.pipeline import FileReport, exit_code, expand_inputs
from triage.rank import Ranker
from triage.store import (
    PAPER_INSERT,
    RANK_VERSION,
    TAG_INSERT_RANKED,
    Store,
    now,
    paper_row,
    ranked_tag_rows,
    title_signatures,
)
from triage.text import title_key

_NUMBER = re.compile(r"\d+")


BLOCK_ROWS = 64
SOURCE_INSERT = "INSERT OR IGNORE INTO sources VALUES (?,?,?,?,?,?)"
CLASSIFY_AHEAD = 128  # papers per chunk classified ahead of storing them

Classified = TaggedPaper | ValueError | UnicodeError | RecursionError


class MergeConfig(StrictModel):
    title_similarity: float = Field(default=95, ge=50, le=100)
    abstract_similarity: float = Field(default=80, ge=0, le=100)


class StoreConfig(StrictModel):
    """`store.yaml`."""

    merge: MergeConfig = MergeConfig()


def load_store_config(dirs: ConfigDirs) -> StoreConfig:
    return load_model(StoreConfig, dirs.find("store.yaml"))


@dataclass
class DumpResult(FileReport):
    """One dump's outcome: counts, and the title pairs merged by similarity."""

    hash: str = ""
    seen_before: bool = False
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    fuzzy: list[tuple[str, str, float]] = field(default_factory=list)


@dataclass
class RunResult:
    run_id: int = 0
    dumps: list[DumpResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(d, name)) for d in self.dumps)

    def exit_code(self, strict: bool) -> ExitCode:
        refused = any(d.error for d in self.dumps)
        empty = any(not (d.papers or d.seen_before or d.error) for d in self.dumps)
        return exit_code(refused, self.total("skipped"), empty, strict)

    def as_dict(self) -> dict[str, Any]:
        keys = ("new", "merged", "unchanged", "skipped", "expected")
        files = [
            {
                "path": d.name,
                "status": "refused" if d.error else "seen before" if d.seen_before else "ingested",
                "error": d.error,
                **{k: getattr(d, k) for k in keys},
                "skip_reasons": dict(d.reasons),
            }
            for d in self.dumps
        ]
        return {"run": self.run_id, **{k: self.total(k) for k in keys}, "files": files}

    def summary(self) -> str:
        seen = sum(d.seen_before for d in self.dumps)
        refused = sum(bool(d.error) for d in self.dumps)
        head = (
            f"run {self.run_id}: {self.total('new')} new, {self.total('merged')} merged, "
            f"{self.total('unchanged')} unchanged, {self.total('skipped')} skipped"
        )
        files = f"{len(self.dumps)} file{'s' if len(self.dumps) != 1 else ''}"
        files += f" ({seen} seen before)" if seen else ""
        files += f", {refused} refused" if refused else ""
        nothing = " - nothing new" if not self.total("new") and not refused else ""
        return f"{head} from {files}{nothing}"


class Ingester:
    """Writes parsed, classified dumps into a Store."""

    def __init__(
        self, store: Store, classifier: Classifier, ranker: Ranker, options: ParseOptions, config: StoreConfig
    ) -> None:
        self.store = store
        self.classifier = classifier
        self.ranker = ranker
        self.options = options
        self.merge = config.merge
        self.version = classifier.version()
        # Each tags row is a statement of its own that keeps a statement journal (the
        # tags_copy_paper trigger makes the insert a possible multi-row write); in memory, that
        # journal costs a page copy instead of a temporary file's writes (tags rows 58 -> 36 us
        # per paper). The journal holds only the pages one row's insert touches.
        store.db.execute("PRAGMA temp_store = MEMORY")

    def run(
        self,
        inputs: Iterable[str],
        warn: Callable[[str], None],
        tick: Callable[[int], None] | None = None,
        strict: bool = False,
    ) -> RunResult:
        """Ingest every input. The run's row ends `ok` when the command exits 0, `incomplete`
        when it exits 1 (a file refused or, with `strict`, records skipped: what landed stays),
        `failed` on an error or Ctrl-C, and stays `running` if the process is killed; `list
        --new` counts the papers of every run that did not end `ok` with the next one's."""
        result = RunResult()
        with self.store.transaction() as db:
            result.run_id = int(
                db.execute(
                    "INSERT INTO runs (started, rules_version) VALUES (?, ?) RETURNING id",
                    (now(), self.version),
                ).fetchone()[0]
            )
            self._claim_rank_version()
        status = "failed"
        try:
            for name in expand_inputs(inputs, warn):
                result.dumps.append(self._one_dump(name, result.run_id, warn, tick))
            status = "incomplete" if result.exit_code(strict) else "ok"
        finally:
            self._finish_run(result, status)
        return result

    def _claim_rank_version(self) -> None:
        """Stored scores follow this ranking when the store is empty; if they follow another one,
        the meta key is left alone so the next `list` recomputes them all (new papers included)."""
        version = self.ranker.ranking.version()
        stored = self.store.get_meta(RANK_VERSION)
        if stored is None and self.store.db.execute("SELECT 1 FROM papers LIMIT 1").fetchone() is None:
            self.store.set_meta(RANK_VERSION, version)

    def _finish_run(self, result: RunResult, status: str) -> None:
        try:
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE runs SET finished=?, status=?, files=?, new=?, merged=?, unchanged=?, skipped=? "
                    "WHERE id=?",
                    (
                        now(),
                        status,
                        len(result.dumps),
                        result.total("new"),
                        result.total("merged"),
                        result.total("unchanged"),
                        result.total("skipped"),
                        result.run_id,
                    ),
                )
        except TriageError:
            if status != "failed":
                raise
            # Already failing: keep that error. The run row stays 'running': `list --new` then
            # counts its papers with the next run's.

    def _one_dump(
        self, name: str, run_id: int, warn: Callable[[str], None], tick: Callable[[int], None] | None
    ) -> DumpResult:
        out = DumpResult(name=display_name(name))
        try:
            dump = open_dump(name)
            out.hash, size = _content_hash(dump)
        except InputError as exc:
            out.error = str(exc)
            warn(str(exc))
            return out
        db = self.store.db
        if self._seen(out.hash):  # the cheap check, without waiting for the write lock
            out.seen_before = True
            return out
        with self.store.transaction():
            if self._seen(out.hash):  # a concurrent run ingested the same content meanwhile
                out.seen_before = True
                return out
            # The dump row goes first (sources refer to it); its counts are filled in at the end.
            db.execute(
                "INSERT INTO dumps (hash, path, size, papers, skipped, run_id, ingested) "
                "VALUES (?, ?, ?, 0, 0, ?, ?)",
                (out.hash, out.name, size, run_id, now()),
            )
            for chunk in _chunks(parse_dump(dump, self.options)):
                batch = _Batch()
                for item in self._ahead(chunk):
                    if isinstance(item, Skipped):
                        out.note(item, warn)
                        continue
                    if not self._store_paper(item, batch, out, run_id, warn):
                        continue
                    out.papers += 1
                    if tick and out.papers % 500 == 0:
                        tick(500)
                self._write(batch)
            if out.papers:
                db.execute(
                    "UPDATE dumps SET papers = ?, skipped = ? WHERE hash = ?",
                    (out.papers, out.skipped, out.hash),
                )
            else:  # nothing landed: a later run (fixed config, another --input-format) may try again
                db.execute("DELETE FROM dumps WHERE hash = ?", (out.hash,))
        if tick:
            tick(out.papers % 500)
        out.flush(warn)
        if out.papers == 0:
            warn(f"no papers found in {out.name}")
        return out

    def _seen(self, content_hash: str) -> bool:
        return (
            self.store.db.execute("SELECT 1 FROM dumps WHERE hash = ?", (content_hash,)).fetchone()
            is not None
        )

    def _ahead(self, chunk: list[Paper | Skipped]) -> list[_Ahead | Skipped]:
        """A chunk's records in order, each paper with what can be learnt of it before the chunk
        is stored: its title key, the stored paper it is under its id, arXiv id or title key, and
        when there is none its classification. Done for the whole chunk, a stretch of lookups, one
        of classifying, then one of storing keeps each one's working set in the CPU caches
        (classifying ahead took a 30k-paper ingest from 1,460 to 1,750 papers/s). Only a guess:
        `_store_paper` decides what is new, redoing the exact lookups the chunk's own writes may
        have changed (see `_Batch`), and classifies what was not done ahead."""
        items: list[_Ahead | Skipped] = []
        for record in chunk:
            if isinstance(record, Skipped):
                items.append(record)
                continue
            key = title_key(record.title)
            items.append(_Ahead(record, key, self._find_exact(record, key)))
        for item in items:
            if isinstance(item, _Ahead) and item.exact is None:
                item.classified = self._classify(item.paper)
        return items

    def _classify(self, paper: Paper) -> Classified:
        """The paper's tags, or why it cannot be classified (one odd record, not the run)."""
        try:
            return self.classifier.classify(paper)
        except (ValueError, UnicodeError, RecursionError) as exc:
            return exc

    def _store_paper(
        self, ahead: _Ahead, batch: _Batch, out: DumpResult, run_id: int, warn: Callable[[str], None]
    ) -> bool:
        """Store one paper (classified only when new: a paper seen before keeps its stored tags,
        which `retag` refreshes; `ahead` holds the paper with its title key, and its stored match
        and classification as looked up before the chunk was stored). A new paper's rows join the
        chunk's batch. False when it cannot be classified and was skipped."""
        db = self.store.db
        paper, key = ahead.paper, ahead.key
        signatures = title_signatures(key)
        existing = self._find(ahead, signatures, out, batch)
        src = paper.source
        paper_id = paper.id if existing is None else existing
        source = (paper_id, out.hash, src.file, _or_none(src.line), _or_none(src.index), src.format)
        if existing is None:
            tagged = self._classify(paper) if ahead.classified is None else ahead.classified
            if isinstance(tagged, Exception):
                out.note(Skipped(reason=f"cannot classify ({tagged!r:.80})", source=paper.source), warn)
                return False
            rank = self.ranker.static_score(tagged)
            published = paper.published.isoformat() if paper.published else None
            batch.add(
                paper,
                key,
                signatures,
                paper_row(tagged, key, run_id, self.version, now(), rank, signatures),
                ranked_tag_rows(paper.id, tagged.tags, rank, published, "untriaged"),
                source,
            )
            out.new += 1
        else:
            stored_key = self._fill_gaps(paper_id, paper)
            if paper.arxiv_id is not None:  # it may have become the stored paper's arXiv id
                batch.merged(paper.arxiv_id, stored_key)
            added = db.execute(SOURCE_INSERT, source).rowcount
            # Seen before in an earlier version of this same file: unchanged; elsewhere: merged.
            known = db.execute(
                "SELECT 1 FROM sources WHERE paper_id=? AND path=? AND dump_hash<>?",
                (paper_id, src.file, out.hash),
            ).fetchone()
            if known or not added:
                out.unchanged += 1
            else:
                out.merged += 1
        if isinstance(paper, ExportedPaper) and paper.decision is not None:
            self._write(batch)  # the decision's update reads and changes the paper's rows
            self._restore_decision(paper_id, paper.decision)
        return True

    def _write(self, batch: _Batch) -> None:
        """Write the new papers of a chunk held so far: their papers rows in the order they came
        (so rowids are as if written one by one), then their tags and sources rows."""
        if not batch.papers:
            return
        db = self.store.db
        db.executemany(PAPER_INSERT, batch.papers)
        db.executemany(TAG_INSERT_RANKED, batch.tags)
        db.executemany(SOURCE_INSERT, batch.sources)
        batch.written()

    def _restore_decision(self, paper_id: str, decision: ExportedDecision) -> None:
        """A decision carried by triage's own export lands too, unless this database has its own."""
        db = self.store.db
        if db.execute("SELECT status FROM papers WHERE id = ?", (paper_id,)).fetchone()[0] != "untriaged":
            return
        history = decision.history or [DecisionEntry(decision=decision.status, note=decision.note, at=now())]
        db.executemany(
            "INSERT INTO decisions (paper_id, decision, note, at) VALUES (?, ?, ?, ?)",
            [(paper_id, h.decision, h.note, h.at) for h in history],
        )
        db.execute(
            "UPDATE papers SET status = ?, note = ? WHERE id = ?", (decision.status, decision.note, paper_id)
        )

    def _find(self, ahead: _Ahead, signatures: tuple[str, str], out: DumpResult, batch: _Batch) -> str | None:
        """The stored paper this one is: same id, arXiv id, title key, or a near-identical title.
        The exact lookup done ahead stands unless the chunk has since stored a paper it could see;
        the chunk's unwritten papers are written first when one of them could be the match."""
        paper, key = ahead.paper, ahead.key
        if batch.touches(paper, key):
            self._write(batch)
            exact = self._find_exact(paper, key)
        else:
            exact = ahead.exact
        if exact:
            return exact
        if batch.holds_block(signatures):
            self._write(batch)
        return self._find_similar(paper, key, signatures, out)

    def _find_exact(self, paper: Paper, key: str) -> str | None:
        """The stored paper with the same id, else the same arXiv id, else the same title key."""
        # One statement, tried in this order (SQLite runs UNION ALL arms in turn and stops at the
        # first row).
        row = self.store.db.execute(
            "SELECT id FROM papers WHERE id = ?1 "
            "UNION ALL SELECT id FROM papers WHERE ?2 IS NOT NULL AND arxiv_id = ?2 "
            "UNION ALL SELECT id FROM papers WHERE title_key = ?3 AND (arxiv_id IS NULL OR ?2 IS NULL "
            "OR arxiv_id = ?2) LIMIT 1",
            (paper.id, paper.arxiv_id, key),
        ).fetchone()
        return None if row is None else str(row[0])

    def _find_similar(
        self, paper: Paper, key: str, signatures: tuple[str, str], out: DumpResult
    ) -> str | None:
        head, tail = signatures
        if not head:
            return None  # too short to compare safely
        # ratio = 2*matches/(len1+len2), so a title of a very different length cannot reach the
        # threshold: SQLite drops those before Python compares anything.
        cut = self.merge.title_similarity / 100
        shortest, longest = len(key) * cut / (2 - cut), len(key) * (2 - cut) / cut
        # Titles must carry the same numbers ("Llama 2" is not "Llama 3"): SQLite checks that too.
        numbers = _NUMBER.findall(key)
        db = self.store.db
        args = (shortest, longest, *(f" {n} " for n in numbers))
        candidates = dict(db.execute(_similar_sql(len(numbers)), (head, *args, tail, *args)).fetchall())
        if not candidates:
            return None
        best: tuple[float, str, str] | None = None
        for other, score, rowid in process.extract(
            key, candidates, scorer=fuzz.ratio, score_cutoff=self.merge.title_similarity, limit=5
        ):
            pid, arxiv, stored_title, abstract = db.execute(
                "SELECT id, arxiv_id, title, abstract FROM papers WHERE rowid = ?", (rowid,)
            ).fetchone()
            if arxiv and paper.arxiv_id and arxiv != paper.arxiv_id:
                continue
            if _NUMBER.findall(other) != numbers:
                continue  # "Llama 2" is not "Llama 3", however alike the rest of the title
            if not _same_text(abstract, paper.abstract, self.merge.abstract_similarity):
                continue  # "On the Convergence of X" and "On the Divergence of X" are two papers
            best = (score, pid, stored_title)  # the title as the user saw it, for --verbose
            break
        if best is None:
            return None
        out.fuzzy.append((paper.title, best[2], round(best[0], 1)))
        return best[1]

    def _fill_gaps(self, paper_id: str, paper: Paper) -> str:
        """A later sighting may know more (an arXiv id, authors, a date): fill what is missing.
        Returns the stored paper's title key."""
        row = self.store.db.execute(
            "UPDATE papers SET arxiv_id = COALESCE(arxiv_id, ?), published = COALESCE(published, ?), "
            "authors = CASE WHEN authors = '[]' THEN ? ELSE authors END WHERE id = ? RETURNING title_key",
            (
                paper.arxiv_id,
                paper.published.isoformat() if paper.published else None,
                json.dumps(paper.authors, ensure_ascii=False),
                paper_id,
            ),
        ).fetchone()
        return str(row[0])


@dataclass(slots=True)
class _Ahead:
    """One paper as looked up (and, when not stored yet, classified) before its chunk was stored."""

    paper: Paper
    key: str  # title_key(paper.title)
    exact: str | None  # what _find_exact answered then
    classified: Classified | None = None


@dataclass(slots=True)
class _Batch:
    """The store step of one chunk: the rows of its new papers not written yet (written together
    at the end of the chunk, or as soon as a lookup could find one of them), and the ids, arXiv
    ids and title keys whose exact lookups the chunk's own writes may have changed since its
    lookahead: each paper stored new, and each arXiv id a merge may have filled in (with the
    title key of the paper that took it). A paper naming none of them finds what it found then."""

    papers: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    sources: list[tuple[Any, ...]] = field(default_factory=list)
    heads: set[str] = field(default_factory=set)  # signatures of the papers not written yet
    tails: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    arxiv_ids: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def add(
        self,
        paper: Paper,
        key: str,
        signatures: tuple[str, str],
        row: tuple[Any, ...],
        tags: list[tuple[Any, ...]],
        source: tuple[Any, ...],
    ) -> None:
        self.papers.append(row)
        self.tags += tags
        self.sources.append(source)
        self.heads.add(signatures[0])
        self.tails.add(signatures[1])
        self.ids.add(paper.id)
        if paper.arxiv_id is not None:
            self.arxiv_ids.add(paper.arxiv_id)
        self.keys.add(key)

    def merged(self, arxiv_id: str, stored_key: str) -> None:
        self.arxiv_ids.add(arxiv_id)
        self.keys.add(stored_key)

    def touches(self, paper: Paper, key: str) -> bool:
        return paper.id in self.ids or paper.arxiv_id in self.arxiv_ids or key in self.keys

    def holds_block(self, signatures: tuple[str, str]) -> bool:
        """Whether an unwritten paper is in the blocks a near-identical title is looked for in."""
        head, tail = signatures
        return bool(head) and (head in self.heads or tail in self.tails)

    def written(self) -> None:
        self.papers, self.tags, self.sources = [], [], []
        self.heads.clear()
        self.tails.clear()


def _chunks(records: Iterable[Paper | Skipped]) -> Iterator[list[Paper | Skipped]]:
    records = iter(records)
    while chunk := list(itertools.islice(records, CLASSIFY_AHEAD)):
        yield chunk


@functools.cache
def _similar_sql(numbers: int) -> str:
    """The titles in a paper's two blocks that could be near-identical to its title: of a length
    the ratio allows, carrying each of the paper's `numbers` numbers (bound after the block and
    the lengths). Each block is read at most BLOCK_ROWS deep, so a very common opening ("a survey
    on large language ...") costs a bounded lookup per paper."""
    same_numbers = " AND instr(' ' || title_key || ' ', ?) > 0" * numbers
    query = (
        f"SELECT rowid, title_key FROM (SELECT rowid, title_key FROM papers WHERE {{col}} = ? "
        f"LIMIT {BLOCK_ROWS}) WHERE length(title_key) BETWEEN ? AND ?{same_numbers}"
    )
    return f"{query.format(col='sig_head')} UNION {query.format(col='sig_tail')}"


def _same_text(stored: str, new: str, cutoff: float) -> bool:
    """Near-identical titles are one paper only if their abstracts agree too (when both have one)."""
    if not stored or not new:
        return True
    return fuzz.token_set_ratio(stored[:1500], new[:1500], processor=utils.default_process) >= cutoff


def _or_none(position: int | None) -> int:
    return -1 if position is None else position


def _content_hash(dump: Dump) -> tuple[str, int]:
    """sha256 and size of the dump's bytes (what makes a re-ingest of the same file a no-op)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in dump.chunks():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
