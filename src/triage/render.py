"""Terminal rendering: rich tables on a TTY, plain text when piped; scraped text always inert."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from triage.output import safe_text
from triage.text import UNSAFE_CHARS

# rich is imported where a terminal is drawn on: a piped `triage list` starts without it.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from triage.classify.analysis import RuleStats
    from triage.classify.evaluate import Comparison, EvalReport
    from triage.classify.rules import Taxonomy
    from triage.models import Evidence, Paper, TaggedPaper
    from triage.query import Filters, Listed
    from triage.rank import Part

__all__ = ["console_for", "paper_table", "safe_text"]


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class PipeConsole(Console):
        """rich exits 1 when the reader of stdout leaves (`triage show X | head -1`); raising
        BrokenPipeError instead lets the command line treat it as `list | head` is: exit 0."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return PipeConsole


def console_for(out: TextIO) -> Console:
    """A console that styles only a real terminal and honours NO_COLOR."""
    tty = out.isatty()
    return _console_class()(
        file=out,
        highlight=False,
        emoji=False,  # `:fire:` in a scraped title stays text
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        force_terminal=tty,
        width=None if tty else 200,
        soft_wrap=not tty,
    )


def new_table(out: TextIO, **options: Any) -> Table:
    """A table with box lines on a terminal, and plain aligned columns when piped."""
    from rich import box
    from rich.table import Table

    return Table(pad_edge=False, box=box.HEAVY_HEAD if out.isatty() else None, **options)


def paper_table(papers: Sequence[Paper], out: TextIO) -> None:
    table = new_table(out, show_lines=False, expand=False)
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("date", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("urls", no_wrap=True, justify="right")
    for paper in papers:
        table.add_row(
            safe_text(paper.id),
            paper.published.isoformat() if paper.published else "",
            safe_text(paper.title),
            str(len(paper.urls)) if paper.urls else "",
        )
    console_for(out).print(table)


def eval_report(report: EvalReport, worst: int, out: TextIO) -> None:
    """Per-facet micro/macro F1, per-tag figures, and the worst mistakes with their evidence."""
    console = console_for(out)
    facets = new_table(out, title=f"{report.matched} papers")
    for column in ("facet", "micro P", "micro R", "micro F1", "macro F1"):
        facets.add_column(column, justify="left" if column == "facet" else "right")
    for facet in report.facets():
        micro = report.facet_micro(facet)
        facets.add_row(
            facet,
            f"{micro.precision:.3f}",
            f"{micro.recall:.3f}",
            f"{micro.f1:.3f}",
            f"{report.facet_macro(facet):.3f}",
        )
    console.print(facets)
    tags = new_table(out)
    for column in ("tag", "tp", "fp", "fn", "P", "R", "F1"):
        tags.add_column(column, justify="left" if column == "tag" else "right")
    for key, c in sorted(report.per_tag.items()):
        tags.add_row(
            key,
            str(c.tp),
            str(c.fp),
            str(c.fn),
            f"{c.precision:.2f}",
            f"{c.recall:.2f}",
            f"{c.f1:.2f}",
        )
    console.print(tags)
    for kind, label in (("fp", "false positives"), ("fn", "false negatives")):
        mistakes = sorted(
            (m for m in report.mistakes if m.kind == kind),
            key=lambda m: (-m.score if kind == "fp" else m.score, m.tag, m.title),
        )[:worst]
        console.print(f"\n[bold]worst {label}[/bold]" if mistakes else "")
        for m in mistakes:
            evidence = "; ".join(m.evidence[:4]) or "no evidence"
            console.print(
                f"  {safe_text(m.tag)}  score {m.score:g}  {safe_text(m.title[:90])}\n"
                f"      {safe_text(evidence)}"
            )


def comparison_report(result: Comparison, shown: int, out: TextIO) -> None:
    """Micro-F1 per facet under the baseline's rules and the current ones, then the papers whose
    tags changed: fixed first, then broken (up to `shown` of each)."""
    console = console_for(out)
    table = new_table(out, title="against the baseline rules")
    for column in ("facet", "baseline F1", "current F1", "change"):
        table.add_column(column, justify="left" if column == "facet" else "right")
    for facet in sorted(set(result.baseline.facets()) | set(result.current.facets())):
        before, after = result.baseline.facet_micro(facet).f1, result.current.facet_micro(facet).f1
        table.add_row(facet, f"{before:.3f}", f"{after:.3f}", f"{after - before:+.3f}")
    console.print(table)
    for label, changes in (
        ("better", [c for c in result.changes if c.delta < 0]),
        ("worse", [c for c in result.changes if c.delta > 0]),
        ("changed, as wrong as before", [c for c in result.changes if c.delta == 0]),
    ):
        if not changes:
            continue
        console.print(f"\n[bold]{label} ({len(changes)})[/bold]")
        ordered = changes if label != "worse" else sorted(changes, key=lambda c: (-c.delta, c.facet, c.title))
        for c in ordered[:shown]:
            console.print(
                f"  {c.facet}: {', '.join(c.before) or '-'} -> {', '.join(c.after) or '-'}"
                f"  (gold {', '.join(c.gold) or '-'})  {safe_text(c.title[:80])}",
                markup=False,
                highlight=False,
            )


def rule_report(stats: RuleStats, taxonomy: Taxonomy, top: int, out: TextIO) -> None:
    """Coverage per rule, rules that never fired, and the most overlapping / conflicting tags."""
    console = console_for(out)
    coverage = new_table(out, title=f"rule coverage over {stats.papers} papers")
    for column in ("rule", "papers", "coverage", "tag fired"):
        coverage.add_column(column, justify="left" if column == "rule" else "right")
    for rule, hits in sorted(stats.rule_hits.items(), key=lambda kv: (-kv[1], kv[0])):
        share = hits / stats.papers if stats.papers else 0.0
        coverage.add_row(rule, str(hits), f"{share:.1%}", f"{stats.rule_decisive[rule] / hits:.0%}")
    console.print(coverage)
    never = stats.never_fired(taxonomy)
    console.print(f"\nrules that never fired ({len(never)}): " + (", ".join(never) or "none"))
    overlap = new_table(out, title="tags that fire together most")
    for column in ("tag", "with", "papers", "jaccard"):
        overlap.add_column(column, justify="right" if column in ("papers", "jaccard") else "left")
    for a, b, both, jaccard in stats.overlap(top):
        overlap.add_row(a, b, str(both), f"{jaccard:.2f}")
    console.print(overlap)
    conflicts = stats.conflicts.most_common(top)
    console.print(
        "\nconflicts (a tag that passed its threshold but lost to another): "
        + ("none" if not conflicts else "")
    )
    for (winner, loser), count in conflicts:
        console.print(f"  {loser} lost to {winner} on {count} papers")


@contextlib.contextmanager
def progress(quiet: bool) -> Iterator[Callable[[int], None]]:
    """A live papers counter on a terminal (stderr); a no-op when piped or quiet."""
    if quiet or not sys.stderr.isatty():
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("ingesting"),
        MofNCompleteColumn(),
        TextColumn("papers"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ingest", total=None)
        yield lambda n: bar.advance(task, n)


def _tags_cell(tagged: TaggedPaper) -> str:
    parts = tagged.tag_ids("domain") + tagged.tag_ids("method")
    kinds = [k for k in tagged.tag_ids("kind") if k != "method"]
    return ", ".join(parts + kinds)


def paper_list(listed: Sequence[Listed], filters: Filters, out: TextIO) -> None:
    """The ranked list: a table that fits a terminal, or tab-separated lines for a pipe."""
    if not listed:
        console_for(out).print(f"no papers match ({safe_text(filters.describe())})")
        return
    rows = []
    for item in listed:
        t = item.tagged
        code = t.tag_ids("code")[0] if t.tag_ids("code") else ""
        mark = {"accepted": " ✓", "later": " …"}.get(item.status, "")
        rows.append((t.paper.id, f"{item.score:.2f}", t.paper.title + mark, _tags_cell(t), code))
    if not out.isatty():
        out.write("id\tscore\ttitle\ttags\tcode\n")
        for row in rows:
            out.write("\t".join(UNSAFE_CHARS.sub(" ", cell) for cell in row) + "\n")
        return
    from rich.table import Table

    table = Table(pad_edge=False, expand=True, show_edge=False)
    table.add_column("id", no_wrap=True, style="cyan")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("tags", ratio=2, overflow="fold", style="green")
    table.add_column("code", no_wrap=True)
    for row in rows:
        table.add_row(*(safe_text(cell) for cell in row))
    console_for(out).print(table)


def paper_detail(
    item: Listed, parts: Sequence[Part], sources: Sequence[Any], decisions: Sequence[Any], out: TextIO
) -> None:
    """`show`: the paper, tags with their evidence, score breakdown, sources and decisions."""
    console = console_for(out)
    t = item.tagged
    p = t.paper
    console.print(f"[bold]{safe_text(p.title)}[/bold]")
    meta = [p.id, p.published.isoformat() if p.published else "undated", f"status {item.status}"]
    meta += [f"arXiv {p.arxiv_id}"] if p.arxiv_id and p.arxiv_id != p.id else []
    console.print(safe_text(" · ".join(meta)))
    if item.note:
        console.print(f"note: {safe_text(item.note)}")
    for label, url in (("code", t.code_url), ("project", t.project_url)):
        if url:
            console.print(f"{label}: {safe_text(url)}")
    console.print()
    console.print(safe_text(p.abstract))
    console.print("\n[bold]tags[/bold]")
    for tag in t.tags:
        evidence = "; ".join(_evidence_items(tag.evidence[:SHOW_EVIDENCE]))
        console.print(
            f"  {safe_text(tag.key)}  {tag.score:g}  "
            f"{safe_text(evidence) or '(fallback: nothing else fired)'}"
        )
    console.print(f"\n[bold]score {sum(x.points for x in parts):.2f}[/bold]")
    for part in parts:
        console.print(f"  {part.points:+.2f}  {part.name}: {safe_text(part.why)}")
    console.print(f"\n[bold]sources ({len(sources)})[/bold]")
    for s in sources:
        where = f"{s['path']}:{s['line']}" if s["line"] >= 0 else f"{s['path']} record {s['record']}"
        console.print(f"  {safe_text(where)} ({safe_text(s['format'])})")
    if decisions:
        console.print("\n[bold]decisions[/bold]")
        for d in decisions:
            console.print(
                f"  {d['at']}  {d['decision']}" + (f"  {safe_text(d['note'])}" if d["note"] else "")
            )


def retag_report(changes: Sequence[tuple[str, str, list[str], list[str]]], out: TextIO) -> None:
    console = console_for(out)
    for paper_id, title, removed, added in changes:
        diff = " ".join([*(f"-{k}" for k in removed), *(f"+{k}" for k in added)])
        console.print(f"{safe_text(paper_id)}  {safe_text(diff)}  {safe_text(title[:70])}")


def vocabulary(taxonomy: Taxonomy, counts: dict[str, int], out: TextIO) -> None:
    table = new_table(out)
    for column in ("tag", "group", "papers", "description"):
        table.add_column(column, justify="right" if column == "papers" else "left")
    for facet, fdef in taxonomy.facets.items():
        for tag, tdef in fdef.tags.items():
            key = f"{facet}:{tag}"
            table.add_row(key, tdef.group or "", str(counts.get(key, 0)), safe_text(tdef.description))
    for code in ("available", "promised", "project-page", "none"):
        table.add_row(f"code:{code}", "", str(counts.get(f"code:{code}", 0)), "code availability")
    console_for(out).print(table)


def _bar(count: int, most: int, width: int = 30) -> str:
    return "█" * max(1, round(width * count / most)) if count else ""


SHOW_EVIDENCE = 10  # evidence items `show` prints per tag


def _evidence_items(evidence: Sequence[Evidence]) -> Iterator[str]:
    """`field: 'text' (rule, +points)`, the rule named once for a run of items from one rule;
    learned weights' probability as `weights: p=0.94 (rule)`."""
    previous = None
    for e in evidence:
        rule = "" if e.rule == previous else f"{e.rule}, "
        previous = e.rule
        if e.field == "model":
            yield f"weights: {e.text} ({e.rule})"
        else:
            yield f"{e.field}: {e.text!r} ({rule}+{e.weight:g})"


STATS_ROWS = 15  # tags shown per facet by `triage stats`


def stats(
    totals: dict[str, int], counts: dict[str, int], months: Sequence[tuple[str, int]], out: TextIO
) -> None:
    console = console_for(out)
    console.print(", ".join(f"{v:,} {k.removesuffix('s') if v == 1 else k}" for k, v in totals.items()))
    by_facet: dict[str, list[tuple[str, int]]] = {}
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        by_facet.setdefault(key.split(":", 1)[0], []).append((key.split(":", 1)[1], n))
    for facet, rows in by_facet.items():
        console.print(f"\n[bold]{facet}[/bold]")
        most = rows[0][1]
        for tag, n in rows[:STATS_ROWS]:
            console.print(f"  {tag:>24} {n:>6} {_bar(n, most)}")
        if len(rows) > STATS_ROWS:
            more = f"{len(rows) - STATS_ROWS} more"
            console.print(f"  {more:>24}         (triage tags lists them all)")
    if months:
        console.print("\n[bold]papers per month[/bold]")
        most = max(n for _, n in months)
        for month, n in months[-24:]:
            console.print(f"  {month:>8} {n:>6} {_bar(n, most)}")
