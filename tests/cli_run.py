"""Running the real `triage` command in-process, with the user's own environment kept out."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from triage.cli import cli, main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hf-papers-sample.txt"
SAMPLE_PAPERS = 122

# None removes the variable for the run, so a developer's own settings never leak into tests.
CLEAN_ENV: dict[str, str | None] = {"TRIAGE_CONFIG": None, "TRIAGE_DB": None, "NO_COLOR": "1"}


def run_cli(*args: str | Path, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    """`triage ARGS` through click's CliRunner on the `cli` group; stderr is kept apart."""
    runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
    return runner.invoke(cli, [str(a) for a in args], input=input)


@dataclass
class MainResult:
    exit_code: int
    stdout: str
    stderr: str


def run_main(*args: str | Path, env: dict[str, str] | None = None) -> MainResult:
    """`triage ARGS` through the console-script entry point (`triage.cli:main`), in-process.

    `main` is where TriageError becomes a one-line message and its exit code, so errors raised
    while options are resolved (config files) are seen exactly as a user sees them.
    """
    runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
    saved_argv = sys.argv
    crash = ""
    with runner.isolation() as (out, err, _mixed):
        sys.argv = ["triage", *(str(a) for a in args)]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # what Python itself would print for an uncaught error: a bug
            code, crash = 1, traceback.format_exc()
        finally:
            sys.argv = saved_argv
    return MainResult(code, out.getvalue().decode(), err.getvalue().decode() + crash)
