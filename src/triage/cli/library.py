"""Store commands: ingest, list, export, show, mark, retag, tags, stats (the nightly and morning work)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from triage import render
from triage.cli import State, cli, input_options, output_option, pass_state, run_exit
from triage.config import sample_dump
from triage.errors import UsageError
from triage.formats import EXPORT_FORMATS
from triage.formats import EXPORT_SUFFIXES as SUFFIXES
from triage.output import database_files, open_output
from triage.query import SORTS, STATUSES, Filters, Library
from triage.rank import Ranker, load_ranking

# The parsers, the ingester and the exporters load when a command needs them (see triage.cli).
if TYPE_CHECKING:
    from triage.classify import Classifier
    from triage.ingest import Ingester
    from triage.parse import ParseOptions
from triage.store import DECISIONS, ENV_DB, Store, StoreError, default_db_path, is_readonly

F = TypeVar("F", bound=Callable[..., Any])
ENV_TODAY = "TRIAGE_TODAY"
MAX_LIMIT = 2**63 - 1  # SQLite's largest integer: a larger --limit means "all" too


def reference_today() -> dt.date | None:
    """The day recency is measured from: `TRIAGE_TODAY` (YYYY-MM-DD, for reproducible output), else
    None for the real today. The one place the variable is read."""
    value = os.environ.get(ENV_TODAY)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{ENV_TODAY}={value!r} is not a date; use YYYY-MM-DD or unset it") from None


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db_path",
        envvar=ENV_DB,
        type=click.Path(dir_okay=False),
        help=f"SQLite database [env: {ENV_DB}; default: {default_db_path()}].",
    )(func)


def filter_options(func: F) -> F:
    """Every `list` filter, shared with `export`."""
    options = [
        click.option(
            "--tag", "tags", multiple=True, help="Tag id, facet:id or group (repeatable: all must match)."
        ),
        click.option("--domain", multiple=True, help="Domain tag (same as --tag domain:ID)."),
        click.option("--method", multiple=True, help="Method tag or group (same as --tag)."),
        click.option("--kind", multiple=True, help="Kind: method, survey, benchmark, theory."),
        click.option("--code", type=click.Choice(["available", "promised", "project-page", "none"])),
        click.option(
            "--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after (YYYY-MM-DD)."
        ),
        click.option(
            "--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before (YYYY-MM-DD)."
        ),
        click.option(
            "--new",
            is_flag=True,
            help="Only papers first seen by the latest ingest run that found any"
            " (and by an unfinished run just before it).",
        ),
        click.option(
            "--status",
            multiple=True,
            type=click.Choice([*STATUSES, "all"]),
            help="Triage status, repeatable; `all` for every paper [default: all but rejected].",
        ),
        click.option("--query", help="Typo-tolerant search over titles and abstracts."),
        click.option("--sort", type=click.Choice(SORTS), default="score", show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_filters(kw: dict[str, Any], limit: int | None) -> Filters:
    tags = [
        *kw["tags"],
        *(f"domain:{d}" for d in kw["domain"]),
        *(m if ":" in m else f"method:{m}" for m in kw["method"]),
        *(f"kind:{k}" for k in kw["kind"]),
    ]
    tags += [f"code:{kw['code']}"] if kw["code"] else []
    return Filters(
        tags=tags,
        since=kw["since"].date() if kw["since"] else None,
        until=kw["until"].date() if kw["until"] else None,
        new=kw["new"],
        status=list(kw["status"]),
        query=kw["query"],
        limit=None if limit is None else min(limit, MAX_LIMIT),
        sort=kw["sort"],
    )


class Session:
    """The store, rules and ranking one command works with."""

    def __init__(self, state: State, db_path: str | None) -> None:
        dirs = state.dirs()
        self.state = state
        from triage.classify import load_classifier

        self.dirs = dirs
        self.classifier: Classifier = load_classifier(dirs)
        self.ranker = Ranker(load_ranking(dirs), self.classifier.taxonomy)
        self._options: ParseOptions | None = None
        self.path = Path(db_path) if db_path else default_db_path()
        state.database = self.path
        self.store = Store(self.path, notify=state.info)
        self.library = Library(self.store, self.classifier, self.ranker, reference_today())
        self.library.notify = state.info

    @property
    def options(self) -> ParseOptions:
        from triage.parse import ParseOptions

        if self._options is None:
            self._options = ParseOptions.load(self.dirs)
        return self._options

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close the database (its WAL is folded back into the file when the last user leaves)."""
        self.store.close()

    def ingester(self) -> Ingester:
        from triage.ingest import Ingester, load_store_config

        return Ingester(self.store, self.classifier, self.ranker, self.options, load_store_config(self.dirs))


def existing(db_path: str | None) -> str | None:
    """`db_path` for a command that changes stored papers (mark, retag): the database must exist,
    or a typo in --db would leave a new empty one behind and report nothing to do."""
    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        raise StoreError(f"{path}: no such database; build it with `triage ingest --db {path} DUMPS`")
    return db_path


@contextmanager
def reading(state: State, db_path: str | None) -> Iterator[Session]:
    """A session on the user's database, or on the bundled sample when there is none yet."""
    if db_path:  # a database the user named must exist: no silent sample
        existing(db_path)
    path = Path(db_path) if db_path else default_db_path()
    with contextlib.ExitStack() as stack:
        bundled = not path.exists()
        if bundled:
            path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="triage-"))) / "sample.db"
            state.info(
                f"no database at {db_path or default_db_path()} yet: showing the bundled sample "
                "(build yours with `triage ingest DUMPS`)"
            )
        session = stack.enter_context(Session(state, str(path)))
        if bundled:
            session.ingester().run([str(sample_dump())], lambda _msg: None)
        try:
            session.library.refresh_ranks()
        except StoreError:  # an ingest holds the write lock: rank with the stored scores for now
            state.warn("ranking.yaml changed while another run is writing: scores use the previous weights")
        except sqlite3.OperationalError as exc:  # a database the user may read but not write
            if not is_readonly(exc):
                raise
            state.warn(f"{path} is read-only: ranking.yaml changed, but scores use the previous weights")
        yield session


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@db_option
@input_options
@click.option("--json-summary", is_flag=True, help="Print the run's counts as JSON on stdout (for scripts).")
@click.option("-v", "--verbose", is_flag=True, help="Also list the titles merged as near-identical.")
@pass_state
def ingest(
    state: State,
    inputs: tuple[str, ...],
    db_path: str | None,
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    json_summary: bool,
    verbose: bool,
) -> None:
    """Parse, classify and store dumps; content ingested before is skipped.

    INPUTS are files, folders (every dump in them), globs or `-` for stdin. Each dump lands in
    one transaction; re-running over the same folder adds only what is new.

    \b
    Examples:
      triage ingest dumps/
      triage ingest --db ~/papers.db 'dumps/*.json' --json-summary
    """
    with Session(state, db_path) as session, render.progress(state.quiet) as tick:
        session.options.input_format = input_format
        session.options.date = ref_date.date() if ref_date else None
        result = session.ingester().run(inputs, state.warn, tick, strict)
    if verbose:
        for dump in result.dumps:
            for new, old, score in dump.fuzzy:
                state.info(f"merged {new!r} with {old!r} (similarity {score})")
    state.info(result.summary())
    if json_summary:
        click.echo(json.dumps(result.as_dict(), indent=2))
    run_exit(result, strict)


@cli.command("list")
@db_option
@filter_options
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *EXPORT_FORMATS]),
    help="Output format [default: table on a terminal, else a plain table].",
)
@output_option
@pass_state
def list_command(
    state: State, /, db_path: str | None, limit: int, fmt: str | None, output: str | None, **kw: Any
) -> None:
    """Ranked papers, best first, with their tags and code.

    \b
    Examples:
      triage list --tag pruning
      triage list --domain vision --code available --since 2025-05-01 --limit 20
      triage list --new --format md -o morning.md
      triage list --query "kolmogorov arnold"
    """
    filters = make_filters(kw, limit)
    with reading(state, db_path) as session, open_output(output, database_files(session.path)) as out:
        listed = session.library.select(filters)
        if fmt is None or fmt == "table":
            render.paper_list(listed, filters, out)
        else:
            from triage.export import write_listed

            write_listed(fmt, listed, out, session.library, filters)
    state.info(f"{len(listed)} papers ({filters.describe()})")


@cli.command()
@db_option
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="At most this many papers [default: all].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    help="Output format [default: from the -o suffix (an unknown one is an error), else jsonl].",
)
@click.option(
    "--group-by", metavar="FACET", help="Markdown digest: a heading per tag of FACET (domain, ...)."
)
@output_option
@pass_state
def export(
    state: State,
    /,
    db_path: str | None,
    limit: int | None,
    fmt: str | None,
    group_by: str | None,
    output: str | None,
    **kw: Any,
) -> None:
    """Every matching paper as CSV, Markdown, JSON, JSONL or BibTeX (same filters as `list`).

    JSONL holds full records and re-ingests (`triage ingest export.jsonl`); the fields are
    documented in docs/export-schema.md. With -o the file is replaced atomically.

    \b
    Examples:
      triage export --format md --group-by method -o digest.md
      triage export --tag pruning --code available -o pruning.csv
      triage export --status accepted --format bib -o accepted.bib
    """
    if fmt is None:
        suffix = Path(output).suffix.lower() if output and output != "-" else ""
        # `-o papers.xlsx` silently held JSONL; a dated name (`digest.2024.06`) has no suffix to judge
        if suffix[1:].isalpha() and suffix not in SUFFIXES:
            choices = ", ".join(sorted(SUFFIXES))
            raise UsageError(f"{output}: no format goes by {suffix!r} ({choices}); add --format")
        fmt = SUFFIXES.get(suffix, "jsonl")
    from triage.export import write_listed

    filters = make_filters(kw, limit)
    with reading(state, db_path) as session:
        listed = session.library.select(filters)
        with open_output(output, database_files(session.path)) as out:
            write_listed(fmt, listed, out, session.library, filters, group_by)
    state.info(f"exported {len(listed)} papers ({filters.describe()})" + (f" to {output}" if output else ""))


@cli.command()
@click.argument("ref")
@db_option
@pass_state
def show(state: State, ref: str, db_path: str | None) -> None:
    """One paper: tags with the words that fired them, score breakdown, sources, decisions.

    REF is an id, an id prefix, an arXiv id or part of the title.

    \b
    Example:
      triage show 2405.1
    """
    with reading(state, db_path) as session:
        listed, sources, decisions = session.library.show(ref)
        parts = session.ranker.breakdown(listed.tagged, session.library.today)
        render.paper_detail(listed, parts, sources, decisions, sys.stdout)


@cli.command()
@click.argument("ref")
@click.argument("decision", type=click.Choice(sorted(DECISIONS)))
@click.option("--note", help="Why, or what to try.")
@db_option
@pass_state
def mark(state: State, ref: str, decision: str, note: str | None, db_path: str | None) -> None:
    """Record a triage decision (accept, reject, later) with an optional note.

    Decisions and notes survive re-ingests and retag; `list` hides rejected papers.

    \b
    Example:
      triage mark 3f2a9c accept --note "try on our ViT"
    """
    with Session(state, existing(db_path)) as session:
        paper_id, title = session.library.mark(ref, decision, note)
    state.info(f"{paper_id} marked {DECISIONS[decision]}: {title}")


@cli.command()
@db_option
@pass_state
def retag(state: State, db_path: str | None) -> None:
    """Re-apply the current rules to every stored paper and report what changed.

    \b
    Example:
      triage --config my-rules retag
    """
    with Session(state, existing(db_path)) as session:
        changes = session.library.retag()
        papers = session.library.totals()["papers"]
    render.retag_report(changes, sys.stdout)
    state.info(f"retagged {papers} papers, {len(changes)} changed")


@cli.command()
@db_option
@pass_state
def tags(state: State, db_path: str | None) -> None:
    """The tag vocabulary with descriptions, groups and how many stored papers carry each.

    \b
    Example:
      triage tags
    """
    with reading(state, db_path) as session:
        render.vocabulary(session.classifier.taxonomy, session.library.tag_counts(), sys.stdout)


@cli.command()
@db_option
@pass_state
def stats(state: State, db_path: str | None) -> None:
    """Counts per facet and per month, as a terminal chart.

    \b
    Example:
      triage stats
    """
    with reading(state, db_path) as session:
        lib = session.library
        render.stats(lib.totals(), lib.tag_counts(), lib.month_counts(), sys.stdout)
