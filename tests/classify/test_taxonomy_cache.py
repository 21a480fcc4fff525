"""The validated taxonomy is kept in the user's cache folder and read back while its files and
triage are unchanged: `list` and friends start about 50 ms sooner."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.classify import rules
from triage.classify.rules import load_taxonomy
from triage.config import ConfigDirs
from triage.errors import ConfigError

USER_TAG = """\
facets:
  method:
    tags:
      clutter-filtering:
        description: Radar clutter suppression.
        rules:
          - id: clutter
            phrases: [{phrase}]
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "triage"


def user_config(folder: Path, phrase: str) -> ConfigDirs:
    folder.mkdir(exist_ok=True)
    (folder / "taxonomy.yaml").write_text(USER_TAG.format(phrase=phrase))
    return ConfigDirs(folder)


def test_a_second_load_reads_the_cache_not_the_yaml(cache: Path, monkeypatch: pytest.MonkeyPatch):
    first = load_taxonomy(ConfigDirs())
    assert len(list(cache.glob("taxonomy-*.pickle"))) == 1

    def no_yaml(_dirs: ConfigDirs) -> None:
        raise AssertionError("the YAML was read again")

    monkeypatch.setattr(rules, "_load_yaml", no_yaml)
    again = load_taxonomy(ConfigDirs())
    assert again == first and again.fingerprint() == first.fingerprint()


def test_an_edited_user_file_is_read_again_and_replaces_the_old_entry(cache: Path, tmp_path: Path):
    folder = tmp_path / "mine"
    before = load_taxonomy(user_config(folder, "clutter suppression"))
    after = load_taxonomy(user_config(folder, "sea clutter"))
    phrases = [t.facets["method"].tags["clutter-filtering"].rules[0].phrases for t in (before, after)]
    assert phrases == [["clutter suppression"], ["sea clutter"]]
    assert len(list(cache.glob("taxonomy-*.pickle"))) == 1


def test_a_damaged_cache_file_is_ignored_and_rewritten(cache: Path):
    expected = load_taxonomy(ConfigDirs())
    (entry,) = cache.glob("taxonomy-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert load_taxonomy(ConfigDirs()) == expected
    assert entry.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_folder_costs_only_the_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert load_taxonomy(ConfigDirs()).facets


def test_an_invalid_user_file_is_reported_every_time_never_cached(cache: Path, tmp_path: Path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "taxonomy.yaml").write_text("facets:\n  method:\n    tags:\n      x:\n        weight: 1\n")
    for _ in range(2):
        with pytest.raises(ConfigError):
            load_taxonomy(ConfigDirs(folder))
    assert not list(cache.glob("taxonomy-*.pickle"))
