"""Terminal rendering: rich tables on a TTY, plain text when piped; scraped text always inert."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table

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
