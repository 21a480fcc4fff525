"""Terminal rendering: rich tables on a TTY, plain text when piped; scraped text always inert."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table

from triage.classify.analysis import RuleStats
from triage.classify.evaluate import EvalReport
from triage.classify.rules import Taxonomy
from triage.models import Paper
from triage.output import safe_text

__all__ = ["console_for", "paper_table", "safe_text"]


def console_for(out: TextIO) -> Console:
    """A console that styles only a real terminal and honours NO_COLOR."""
    tty = out.isatty()
    return Console(
        file=out,
        highlight=False,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        force_terminal=tty,
        width=None if tty else 200,
        soft_wrap=not tty,
    )


def paper_table(papers: Sequence[Paper], out: TextIO) -> None:
    table = Table(show_lines=False, expand=False, pad_edge=False)
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
    facets = Table(title=f"{report.matched} papers", pad_edge=False)
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
    tags = Table(pad_edge=False)
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


def rule_report(stats: RuleStats, taxonomy: Taxonomy, top: int, out: TextIO) -> None:
    """Coverage per rule, rules that never fired, and the most overlapping / conflicting tags."""
    console = console_for(out)
    coverage = Table(title=f"rule coverage over {stats.papers} papers", pad_edge=False)
    for column in ("rule", "papers", "coverage", "tag fired"):
        coverage.add_column(column, justify="left" if column == "rule" else "right")
    for rule, hits in sorted(stats.rule_hits.items(), key=lambda kv: (-kv[1], kv[0])):
        share = hits / stats.papers if stats.papers else 0.0
        coverage.add_row(rule, str(hits), f"{share:.1%}", f"{stats.rule_decisive[rule] / hits:.0%}")
    console.print(coverage)
    never = stats.never_fired(taxonomy)
    console.print(f"\nrules that never fired ({len(never)}): " + (", ".join(never) or "none"))
    overlap = Table(title="tags that fire together most", pad_edge=False)
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
