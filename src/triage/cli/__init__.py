"""The command line: resolve options, call the core, render. The only package that imports click."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from triage import __version__, render
from triage.config import ConfigDirs
from triage.errors import ExitCode, TriageError
from triage.formats import FORMATS
from triage.text import utf8_name

# Each command imports what it needs (the parsers, the classifier, rich, the exporters) when it
# runs, so `triage list` on a big store starts in a fraction of the time the full import takes.
if TYPE_CHECKING:
    from rich.console import Console

    from triage.classify.evaluate import GoldPaper
    from triage.classify.rules import Taxonomy
    from triage.ingest import RunResult
    from triage.models import Paper
    from triage.pipeline import RunReport

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Options of the `triage` group that every command sees."""

    def __init__(self, config: str | None, quiet: bool) -> None:
        self.config = config
        self.quiet = quiet
        self._err: Console | None = None
        self.warnings = 0
        self.database: Path | None = None  # the store a command opened, named in database errors

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = _stderr()
        return self._err

    def dirs(self) -> ConfigDirs:
        return ConfigDirs.from_env(self.config)

    def warn(self, message: str) -> None:
        self.warnings += 1
        self.err.print(f"triage: warning: {render.safe_text(message)}")

    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(render.safe_text(message))


pass_state = click.make_pass_decorator(State)


def input_options(func: F) -> F:
    """`--input-format` and `--date`, shared by every command that reads dumps."""
    func = click.option(
        "--input-format",
        type=click.Choice(FORMATS),
        help="Format of the dumps (detected when omitted).",
    )(func)
    func = click.option(
        "--date",
        "ref_date",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Year for date lines without one, e.g. 2025-05-07 (else a date in the file name, else today).",
    )(func)
    return click.option(
        "--strict", is_flag=True, help="Exit 1 when any record is skipped or a file is refused."
    )(func)


def output_option(func: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        help="Write here (atomically) instead of stdout.",
    )(func)


def run_exit(report: RunReport | RunResult, strict: bool) -> None:
    """Leave with the run's exit code when it is not 0 (see `pipeline.exit_code`)."""
    code = report.exit_code(strict)
    if code:
        sys.exit(code)


def stream_papers(
    state: State,
    files: Iterable[str],
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    output: str | None,
    write: Callable[[Iterable[Paper], TextIO], None],
) -> None:
    """Parse the inputs, hand the papers to `write` (stdout or an atomic -o file), then the
    summary line and the run's exit code: the shared body of `parse` and `classify`."""
    from triage.output import open_output
    from triage.pipeline import RunReport, expand_inputs

    report = RunReport()
    expanded = expand_inputs(files, state.warn)
    inputs = [(name, f"the input {name}") for name in expanded if name != "-"]
    papers = read_papers(state, expanded, input_format, ref_date, report)
    with open_output(output, protected=inputs) as out:
        write(papers, out)
        keep_old_output_if_failed(report)
    state.info(report.summary())
    run_exit(report, strict)


def keep_old_output_if_failed(report: RunReport) -> None:
    """A run whose every input was refused leaves an existing -o file as it was."""
    from triage.output import DiscardOutput

    if report.failed and not report.papers:
        raise DiscardOutput


def read_papers(
    state: State,
    inputs: Iterable[str],
    input_format: str | None,
    ref_date: dt.datetime | None,
    report: RunReport,
) -> Iterable[Paper]:
    from triage.parse import ParseOptions
    from triage.pipeline import iter_papers

    options = ParseOptions.load(state.dirs(), input_format, ref_date.date() if ref_date else None)
    return iter_papers(inputs, options, report, state.warn)


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)  # `:fire:` stays text


def _error(message: str) -> None:
    _stderr().print(f"triage: error: {render.safe_text(message)}")


class TriageGroup(click.Group):
    """Turns a TriageError from any command into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TriageError as exc:
            _error(str(exc))
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # `triage list | head`: the reader left, which is not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.OK)
        except sqlite3.DatabaseError as exc:  # disk full, a corrupt file, a lock held too long
            database = ctx.obj.database if isinstance(ctx.obj, State) else None
            where = f"{database}: " if database else ""
            from triage.store import is_readonly

            if is_readonly(exc):
                fix = "check that you may write the file and its folder"
                _error(f"{where}cannot write the database ({exc}); {fix}")
            else:
                kept = "the change in progress was rolled back, earlier ones are kept"
                _error(f"{where}database error: {exc}; {kept}")
            ctx.exit(ExitCode.DATA_ERROR)


@click.group(
    cls=TriageGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="triage")
@click.option(
    "--config",
    envvar="TRIAGE_CONFIG",
    type=click.Path(file_okay=False),
    help="Folder of YAML files overriding the shipped defaults [env: TRIAGE_CONFIG].",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary lines on stderr.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, quiet: bool) -> None:
    """Turn ML paper listings into a short, ranked, explainable list.

    \b
    Examples:
      triage ingest dumps/                 # parse, tag and store every new dump
      triage list --tag pruning            # ranked pruning papers (the bundled sample
                                           # when there is no database yet)
      triage show 2405.12345               # the evidence behind each tag
      triage export --new --format md -o digest.md
    """
    ctx.obj = State(config, quiet)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl"]),
    help="Output format [default: table on a terminal, else jsonl].",
)
@output_option
@pass_state
def parse(
    state: State,
    files: tuple[str, ...],
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    fmt: str | None,
    output: str | None,
) -> None:
    """Parse dumps into Paper records (JSONL), with no classification and no database.

    FILES are dumps, folders of dumps or `-` for stdin.

    \b
    Examples:
      triage parse data/hf-papers-sample.txt --format jsonl -o papers.jsonl
      triage parse --input-format hf-page --date 2025-05-07 page.txt
    """
    fmt = fmt or ("table" if output is None and sys.stdout.isatty() else "jsonl")

    def write(papers: Iterable[Paper], out: TextIO) -> None:
        if fmt == "table":
            render.paper_table(list(papers), out)
            return
        for paper in papers:
            out.write(paper.model_dump_json(exclude_none=False) + "\n")

    stream_papers(state, files, input_format, ref_date, strict, output, write)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "md"]),
    default="jsonl",
    show_default=True,
    help="Output format.",
)
@output_option
@pass_state
def classify(
    state: State,
    files: tuple[str, ...],
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Parse and tag dumps to stdout, with no database.

    Each record carries its tags per facet, code_url / project_url, and the evidence behind
    every tag (rule ids, matched text, field, offset, score).

    \b
    Examples:
      triage classify data/hf-papers-sample.txt | jq -c '{title, tags}'
      triage classify dumps/ --format md -o today.md
    """
    from triage.classify import load_classifier
    from triage.export import write_tagged

    engine = load_classifier(state.dirs())

    def write(papers: Iterable[Paper], out: TextIO) -> None:
        write_tagged(fmt, (engine.classify(p) for p in papers), out, engine.taxonomy.facets)

    stream_papers(state, files, input_format, ref_date, strict, output, write)


@cli.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--dump",
    "dumps",
    multiple=True,
    help="Dump(s) holding the gold papers' abstracts (repeatable).",
)
@input_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--worst",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many false positives / negatives to show.",
)
@click.option(
    "--baseline",
    metavar="DIR",
    help="Also score the rules of config folder DIR ('shipped': the shipped rules) and show what "
    "changed: F1 per facet before and after, and each paper whose tags differ.",
)
@pass_state
def eval_command(
    state: State,
    gold: str,
    dumps: tuple[str, ...],
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    fmt: str,
    worst: int,
    baseline: str | None,
) -> None:
    """Precision, recall and F1 of the rules against hand-labelled papers.

    GOLD is JSONL: {"title": ..., "tags": {"domain": [...], "method": [...], ...}}; the papers
    come from --dump files, or from an "abstract" key on each gold line.

    \b
    Examples:
      triage eval tests/data/gold-sample.jsonl --dump data/hf-papers-sample.txt
      triage --config my-rules eval gold.jsonl --dump dump.txt --baseline shipped
    """
    from triage.classify import load_classifier
    from triage.classify.evaluate import compare, evaluate, gold_as_papers, read_gold
    from triage.config import ConfigDirs
    from triage.pipeline import RunReport

    engine = load_classifier(state.dirs())
    before = None
    if baseline is not None:
        before = load_classifier(ConfigDirs() if baseline == "shipped" else ConfigDirs.from_env(baseline))
    gold_papers = read_gold(Path(gold))
    check_gold_tags(state, gold, gold_papers, engine.taxonomy)
    report = RunReport()
    if dumps:
        papers: Iterable[Paper] = read_papers(state, dumps, input_format, ref_date, report)
    else:
        papers = gold_as_papers(gold_papers, gold)
    facets = engine.taxonomy.facets.keys() | {"code"}
    if before is None:
        result = evaluate(gold_papers, (engine.classify(p) for p in papers), facets)
        compared = None
    else:
        compared = compare(gold_papers, papers, engine, before, facets)
        result = compared.current
    if result.unmatched:
        state.warn(
            f"{len(result.unmatched)} gold papers not found in the dumps, e.g. {result.unmatched[0]!r}"
        )
    if fmt == "json":
        out = result.as_dict()
        if compared is not None:
            out["baseline"] = compared.baseline.as_dict()
            out["changes"] = [c.as_dict() for c in compared.changes]
        click.echo(json.dumps(out, indent=2))
    else:
        render.eval_report(result, worst, sys.stdout)
        if compared is not None:
            render.comparison_report(compared, worst, sys.stdout)
    run_exit(report, strict)


def check_gold_tags(state: State, gold: str, papers: list[GoldPaper], taxonomy: Taxonomy) -> None:
    """Warn about gold tags the rules cannot produce (a typo would count as a miss, silently),
    and about a gold file with no papers at all."""
    from triage.rank import CODE_VALUES

    if not papers:
        state.warn(f'{gold}: no gold papers; each line is {{"title": ..., "tags": {{...}}}}')
    known = {facet: set(spec.tags) for facet, spec in taxonomy.facets.items()} | {"code": set(CODE_VALUES)}
    unknown = [
        (paper.line, f"{facet}:{tag}" if facet in known else f"facet {facet!r}")
        for paper in papers
        for facet, tags in paper.tags.items()
        for tag in (sorted(tags - known[facet]) if facet in known else [""])
    ]
    for line, what in unknown[:3]:
        counted = "not scored" if what.startswith("facet") else "counted as a miss"
        state.warn(f"{gold}:{line}: {what} is not in the taxonomy ({counted}); check the spelling")
    if len(unknown) > 3:
        state.warn(f"{gold}: {len(unknown) - 3} more tags not in the taxonomy")


@cli.group()
def rules() -> None:
    """Validate and analyse the tagging rules.

    \b
    Example:
      triage rules check data/hf-papers-sample.txt
    """


@rules.command("check")
@click.argument("corpus", nargs=-1)
@input_options
@click.option(
    "--top", type=click.IntRange(min=0), default=10, show_default=True, help="How many tag pairs to list."
)
@pass_state
def rules_check(
    state: State,
    corpus: tuple[str, ...],
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
    top: int,
) -> None:
    """Validate the taxonomy; over CORPUS dumps, report each rule's coverage, rules that never
    fire, and the tags that overlap or conflict most.

    \b
    Examples:
      triage rules check
      triage --config my-rules/ rules check data/hf-papers-sample.txt
    """
    from triage.classify import load_classifier
    from triage.classify.analysis import all_rule_ids, analyse
    from triage.pipeline import RunReport

    engine = load_classifier(state.dirs())
    taxonomy = engine.taxonomy
    n_rules = len(all_rule_ids(taxonomy))
    n_tags = sum(len(f.tags) for f in taxonomy.facets.values())
    click.echo(
        f"taxonomy ok: {len(taxonomy.facets)} facets, {n_tags} tags, {n_rules} rules, "
        f"{len(engine.patterns.patterns)} patterns"
    )
    for facet, model in engine.models.items():
        click.echo(
            f"{facet}: learned weights ok ({engine.model_files[facet]}): {', '.join(model.spec.tags)} "
            f"from {len(model.spec.idf)} words and the rule scores, learned from {model.spec.papers} papers"
        )
    if not corpus:
        return
    report = RunReport()
    papers = read_papers(state, corpus, input_format, ref_date, report)
    stats = analyse((engine.classify(p) for p in papers), taxonomy)
    render.rule_report(stats, taxonomy, top, sys.stdout)
    state.info(report.summary())
    run_exit(report, strict)


@rules.command("learn")
@click.argument("gold", nargs=-1, required=True)
@click.option(
    "--dump",
    "dumps",
    multiple=True,
    help="Dump(s) holding the gold papers' abstracts (repeatable); without it, each gold line's own "
    '"abstract".',
)
@click.option("--facet", default="kind", show_default=True, help="The facet whose weights to learn.")
@click.option(
    "--words",
    type=click.IntRange(min=1, max=100_000),
    default=1000,
    show_default=True,
    help="How many words the weights keep (those that weigh most).",
)
@click.option("-o", "--output", metavar="FILE", help="Write the weights here (default: stdout).")
@input_options
@pass_state
def rules_learn(
    state: State,
    gold: tuple[str, ...],
    dumps: tuple[str, ...],
    facet: str,
    words: int,
    output: str | None,
    input_format: str | None,
    ref_date: dt.datetime | None,
    strict: bool,
) -> None:
    """Learn weights that decide FACET's tags from hand-labelled papers (GOLD files, as for
    `triage eval`): a linear model over each paper's words and the rules' tag scores, written as
    YAML. Name the file in taxonomy.yaml (`model: FILE` under the facet) to use it. Needs
    scikit-learn (pip install 'paper-triage[learn]').

    \b
    Example:
      triage rules learn gold/*.jsonl --dump dumps/ --facet kind -o my-rules/kind-model.yaml
    """
    from triage.classify import Classifier, load_taxonomy
    from triage.classify.evaluate import gold_as_papers, matched, read_gold
    from triage.classify.learn import Example, dump_model, learn
    from triage.classify.rules import MODEL_FILE
    from triage.output import open_output
    from triage.pipeline import RunReport

    if output and output != "-" and not re.fullmatch(MODEL_FILE, Path(output).name):
        raise click.BadParameter(
            f"{Path(output).name!r}: name it like kind-model.yaml (letters, digits, '.', '_', '-', "
            "ending in .yaml), as taxonomy.yaml's `model:` requires",
            param_hint="-o",
        )
    taxonomy = load_taxonomy(state.dirs())
    if facet not in taxonomy.facets:
        raise click.BadParameter(
            f"{facet!r} is not a facet; one of {', '.join(taxonomy.facets)}", param_hint="--facet"
        )
    rules_only = Classifier.from_taxonomy(taxonomy)  # the model's inputs are the rules' scores
    report = RunReport()
    tagged = [rules_only.classify(p) for p in read_papers(state, dumps, input_format, ref_date, report)]
    examples = []
    for name in gold:
        gold_papers = read_gold(Path(name))
        check_gold_tags(state, name, gold_papers, taxonomy)
        if dumps:
            pairs = list(matched(gold_papers, tagged))
        else:  # each line that labels the facet carries its own abstract: it is its own paper
            gold_papers = [g for g in gold_papers if facet in g.tags]
            own = {p.source.line: p for p in gold_as_papers(gold_papers, name)}
            pairs = [(g, rules_only.classify(own[g.line])) for g in gold_papers if g.line in own]
        if len(pairs) < len(gold_papers):
            where = "in the dumps" if dumps else "(a title or abstract that is not a paper's)"
            state.warn(f"{name}: {len(gold_papers) - len(pairs)} gold papers not found {where}")
        # A gold line that does not label the facet says nothing about it (as for `eval`).
        examples += [Example(tp, g.tags[facet]) for g, tp in pairs if facet in g.tags]
    model = learn(examples, facet, list(taxonomy.facets[facet].tags), words, [*gold, *dumps])
    left = [t for t in taxonomy.facets[facet].tags if t not in model.tags]
    if left:
        state.warn(
            f"no weights for {', '.join(left)}: on fewer than two labelled papers (or missing from "
            "fewer than two); their rules decide them"
        )
    with open_output(output, [(g, "a gold file") for g in gold] + [(d, "an input") for d in dumps]) as out:
        out.write(dump_model(model))
    use = f"; add `model: {Path(output).name}` under facet {facet}" if output and output != "-" else ""
    state.info(
        f"learned {facet} weights for {', '.join(model.tags)} from {len(examples)} labelled papers, "
        f"{len(model.idf)} words{use}"
    )
    run_exit(report, strict)


class ClosedOutput(io.TextIOBase):
    """Standard output when the process started with it closed (`>&-`): Python leaves None there
    and every command failed with a traceback. Writing here is the OSError `main` reports."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


def open_closed_streams() -> None:
    """A closed stdout fails only commands that write there (ingest still works); a closed
    stderr drops the messages (not the work: ingest with `2>&-` stored nothing). Each closed
    descriptor is held on /dev/null, so no file this run opens can take its place."""
    for fd, stream in ((0, sys.stdin), (1, sys.stdout), (2, sys.stderr)):
        if stream is None:  # keep the descriptor taken, or the next file opened would get it
            devnull = os.open(os.devnull, os.O_RDWR)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
    if sys.stdout is None:
        sys.stdout = ClosedOutput()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


INTERRUPTED = (
    "interrupted; nothing half-written was kept (an ingest keeps the dumps it finished: run it "
    "again for the rest)"
)


def utf8_args(args: list[str]) -> list[str]:
    """Arguments with bytes that are not UTF-8 (`show $'caf\\xe9'`, a note typed in Latin-1) shown
    as U+FFFD: Python holds them as lone surrogates, which SQLite and every writer refuse with a
    traceback. A path that exists keeps its bytes, so such a file can still be opened."""
    return [arg if arg.isascii() or os.path.lexists(arg) else utf8_name(arg) for arg in args]


def main() -> None:
    """Entry point of the `triage` command: exit codes 0 / 1 / 2, never a traceback for I/O."""
    open_closed_streams()
    try:
        code = cli.main(args=utf8_args(sys.argv[1:]), prog_name="triage", standalone_mode=False)
    except click.ClickException as exc:  # usage errors: exit 2
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):  # Ctrl-C (click turns it into Abort)
        _error(INTERRUPTED)
        sys.exit(130)  # 128 + SIGINT, as shells report it
    except OSError as exc:  # a full disk under stdout, a closed terminal
        _error(f"cannot write output: {exc.strerror or exc}")
        sys.exit(ExitCode.DATA_ERROR)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


# The store commands (ingest, list, show, mark, retag, tags, stats) register themselves on `cli`.
from triage.cli import library  # noqa: E402, F401
