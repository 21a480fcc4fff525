"""Store tests: a real SQLite file in tmp_path, the real CLI, and the user's directories kept out."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import triage.classify
from triage.classify import Classifier, load_classifier
from triage.cli import cli
from triage.config import ConfigDirs, sample_dump
from triage.ingest import Ingester, load_store_config
from triage.models import Paper
from triage.parse import ParseOptions, parse_file
from triage.query import Library
from triage.rank import Ranker, load_ranking
from triage.store import Store

SAMPLE = sample_dump()
SAMPLE_PAPERS = 122
ENV_KEEP_OUT = ("TRIAGE_DB", "TRIAGE_CONFIG", "TRIAGE_BUSY_TIMEOUT")
HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\n"
SYLLABLES = ["ka", "zo", "mi", "tu", "re", "pa", "ve", "lo", "ni", "su", "bo", "qe", "da", "fi", "gu", "hy"]


_CLASSIFIERS: dict[tuple[str, float], Classifier] = {}


def cached_classifier(dirs: ConfigDirs | None = None) -> Classifier:
    """`load_classifier`, compiled once per rules file (and its mtime): the CLI tests stay fast."""
    taxonomy = (dirs or ConfigDirs()).find("taxonomy.yaml")
    key = (str(taxonomy), taxonomy.stat().st_mtime)
    if key not in _CLASSIFIERS:
        _CLASSIFIERS[key] = load_classifier(dirs)
    return _CLASSIFIERS[key]


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and XDG_DATA_HOME at tmp_path so no test touches the real default database."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ENV_KEEP_OUT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(triage.classify, "load_classifier", cached_classifier)
    return home


def run(*args: str | Path, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """`triage ARGS` in-process through click's CliRunner; stderr kept apart."""
    return CliRunner(env=env).invoke(cli, [str(a) for a in args], input=input)


def ok(result: Result, code: int = 0) -> Result:
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def triage_process(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`python -m triage ARGS` as a child process (for kill -9 and concurrency)."""
    return subprocess.Popen(
        [sys.executable, "-m", "triage", *(str(a) for a in args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def sample_pairs() -> list[tuple[str, str]]:
    records = parse_file(SAMPLE, ParseOptions.load(ConfigDirs()))
    return [(r.title, r.abstract) for r in records if isinstance(r, Paper)]


def unique_word(number: int) -> str:
    """A pronounceable word unique to `number` (fixed length, so never a prefix of another)."""
    word = ""
    for _ in range(5):
        number, digit = divmod(number, len(SYLLABLES))
        word += SYLLABLES[digit]
    return word


def write_dump(path: Path, n_papers: int, start: int = 0, date: str = "May 7") -> list[str]:
    """A saved-page dump of sample abstracts under unique titles; returns the titles.

    Each title starts with words unique to its number, so no two are near-identical.
    """
    pairs = sample_pairs()
    rng = random.Random(start)
    titles = []
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{HEADER}{date}\n\n")
        for number in range(start, start + n_papers):
            title, abstract = pairs[number % len(pairs)]
            words = title.split()
            rng.shuffle(words)
            title = f"{unique_word(number).title()} {unique_word(number * 7 + 3)} {' '.join(words[:6])}"
            titles.append(title)
            out.write(f"{title}\n\n{abstract}\n\n")
    return titles


def write_papers(path: Path, papers: list[tuple[str, str]], date: str = "May 7") -> None:
    """A saved-page dump of the given (title, abstract) pairs."""
    body = "".join(f"{t}\n\n{a}\n\n" for t, a in papers)
    path.write_text(f"{HEADER}{date}\n\n{body}", encoding="utf-8")


def count(db: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


@pytest.fixture
def library(tmp_path: Path) -> Callable[..., Library]:
    """A Library on a database in tmp_path, with the shipped (or a --config folder's) rules."""
    opened: list[Store] = []

    def open_library(db: Path | None = None, config: Path | None = None) -> Library:
        dirs = ConfigDirs.from_env(config)
        classifier = load_classifier(dirs)
        store = Store(db or tmp_path / "lib.db")
        opened.append(store)
        return Library(store, classifier, Ranker(load_ranking(dirs), classifier.taxonomy))

    yield open_library
    for store in opened:
        store.close()


def ingester(library: Library, config: Path | None = None) -> Ingester:
    dirs = ConfigDirs.from_env(config)
    return Ingester(
        library.store, library.classifier, library.ranker, ParseOptions.load(dirs), load_store_config(dirs)
    )
