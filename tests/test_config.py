"""A `--config` folder of YAML: errors a user can read, and new tags or facets with no code change."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from cli_run import SAMPLE, SAMPLE_PAPERS, MainResult, run_cli, run_main
from triage.errors import ConfigError

CLUTTER = "Deep Spatiotemporal Clutter Filtering"

# A user's taxonomy.yaml adding one method tag; everything else comes from the shipped file.
NEW_METHOD_TAG = """\
facets:
  method:
    tags:
      clutter-filtering:
        description: Removing clutter from ultrasound images.
        rules:
          - id: clutter
            weight: 2.0
            phrases: [clutter filtering, reverberation clutter]
"""

NEW_FACET = """\
facets:
  hardware:
    description: The hardware a paper targets.
    threshold: 1.0
    tags:
      gpu:
        rules:
          - id: gpu
            acronyms: [GPU]
            phrases: [graphics card]
"""


def config_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "my-config"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def by_title(recs: list[dict]) -> dict[str, dict]:
    return {r["title"]: r for r in recs}


def assert_one_line_error(result: MainResult, where: str) -> str:
    """Exit 2, nothing on stdout, and exactly one stderr line that starts by naming file:line."""
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert where in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    result = run_cli("-q", "classify", SAMPLE)
    assert result.exit_code == 0, result.output
    return records(result.stdout)


# --- errors ------------------------------------------------------------------------------------

BAD_TAXONOMIES = {
    "yaml-syntax": (
        """\
        # my additions
        facets:
          method:
            tags:
              clutter-filtering:
                description: filters: clutter
                rules:
                  - id: clutter
                    phrases: [clutter filtering]
        """,
        "taxonomy.yaml:6:",
        "invalid YAML",
    ),
    "unknown-key-in-rule": (
        """\
        # my additions
        facets:
          method:
            tags:
              clutter-filtering:
                rules:
                  - id: clutter
                    phrasez: [clutter filtering]
        """,
        "taxonomy.yaml:8:",
        "phrasez: unknown key",
    ),
    "bad-regex": (
        """\
        # my additions
        facets:
          method:
            tags:
              clutter-filtering:
                rules:
                  - id: clutter
                    patterns: ['clutter (filter']
        """,
        "taxonomy.yaml:8:",
        "bad regular expression",
    ),
    "rule-without-any-match": (
        """\
        facets:
          method:
            tags:
              clutter-filtering:
                rules:
                  - id: clutter
                    weight: 2
        """,
        "taxonomy.yaml:6:",
        "at least one of phrases",
    ),
    "bad-rule-id": (
        """\
        facets:
          method:
            tags:
              clutter-filtering:
                rules:
                  - id: Clutter Rule
                    phrases: [clutter]
        """,
        "taxonomy.yaml:6:",
        "rules[0].id",
    ),
    "fallback-if-unknown-tag": (
        """\
        facets:
          domain:
            tags:
              language:
                fallback_if: [method:large-language-model]
        """,
        "taxonomy.yaml:",
        "fallback_if 'method:large-language-model' is not a tag of another facet",
    ),
    "not-a-mapping": ("- just\n- a list\n", "taxonomy.yaml:1:", "expected a mapping"),
}


@pytest.mark.parametrize(("text", "where", "what"), BAD_TAXONOMIES.values(), ids=BAD_TAXONOMIES.keys())
def test_invalid_taxonomy_is_one_line_naming_file_and_line(text, where, what, tmp_path: Path):
    folder = config_dir(tmp_path, {"taxonomy.yaml": text})
    result = run_main("--config", folder, "classify", SAMPLE)
    line = assert_one_line_error(result, f"{folder / where}")
    assert what in line


def test_invalid_parsing_yaml_is_one_line_naming_file_and_line(tmp_path: Path):
    folder = config_dir(tmp_path, {"parsing.yaml": "boilerplate:\n  - new\nui_patterns: ['(unclosed']\n"})
    result = run_main("--config", folder, "parse", SAMPLE)
    line = assert_one_line_error(result, f"{folder / 'parsing.yaml'}:3:")
    assert "bad regular expression" in line


NOT_FINITE = {
    "taxonomy-weight": ("taxonomy.yaml", NEW_METHOD_TAG.replace("weight: 2.0", "weight: .inf"), ":8:"),
    "ranking-code": ("ranking.yaml", "code: {available: .nan}\n", ":1:"),
    "ranking-phrase": ("ranking.yaml", "interests:\n  phrases:\n    pruning: -.inf\n", ":3:"),
    "store-similarity": ("store.yaml", "merge:\n  title_similarity: .nan\n", ":2:"),
}


TOO_LARGE = {
    "taxonomy-weight": ("taxonomy.yaml", NEW_METHOD_TAG.replace("weight: 2.0", "weight: 1.7e308"), ":8:"),
    "ranking-tag": ("ranking.yaml", "interests:\n  tags:\n    compression: 1.7e308\n", ":3:"),
    "ranking-recency": ("ranking.yaml", "recency:\n  weight: -2e7\n", ":2:"),
}


@pytest.mark.parametrize(("name", "text", "line"), TOO_LARGE.values(), ids=TOO_LARGE.keys())
def test_a_number_too_large_to_score_with_is_a_config_error(name, text, line, tmp_path: Path):
    """Two weights of 1.7e308 add up to infinity: `list --format json` wrote `Infinity`."""
    folder = config_dir(tmp_path, {name: text})
    db = tmp_path / "t.db"
    assert run_main("ingest", "--db", db, SAMPLE).exit_code == 0
    command = ["classify", SAMPLE] if name == "taxonomy.yaml" else ["list", "--db", db]
    result = run_main("--config", folder, *command)
    assert "too large; give a number between -1e6 and 1e6" in assert_one_line_error(
        result, f"{folder / name}{line}"
    )


@pytest.mark.parametrize(("name", "text", "line"), NOT_FINITE.values(), ids=NOT_FINITE.keys())
def test_a_number_that_is_not_finite_is_a_config_error(name, text, line, tmp_path: Path):
    """YAML's .inf and .nan: a NaN weight failed `list` as a "database error" (exit 1) and an
    infinite one wrote `Infinity`, which is not JSON, into classify's output."""
    folder = config_dir(tmp_path, {name: text})
    db = tmp_path / "t.db"
    assert run_main("ingest", "--db", db, SAMPLE).exit_code == 0
    for command in (["classify", SAMPLE], ["list", "--db", db], ["ingest", "--db", db, SAMPLE]):
        if name == "store.yaml" and command[0] != "ingest":
            continue  # only ingest reads store.yaml
        if name == "ranking.yaml" and command[0] == "classify":
            continue  # classify does not rank
        result = run_main("--config", folder, *command)
        assert "finite number" in assert_one_line_error(result, f"{folder / name}{line}")


def test_an_unknown_tag_in_ranking_yaml_is_reported_at_its_file_and_line(tmp_path: Path):
    """The message said only "ranking.yaml: unknown tag", not which file of which folder, nor where."""
    folder = config_dir(
        tmp_path, {"ranking.yaml": "interests:\n  tags:\n    pruning: 1.0\n    prunnig: 1.0\n"}
    )
    result = run_main("-q", "--config", folder, "list", env={"XDG_DATA_HOME": str(tmp_path)})
    assert "unknown tag 'prunnig'" in assert_one_line_error(result, f"{folder / 'ranking.yaml'}:4:")


def test_unknown_key_with_a_block_value_points_at_the_key(tmp_path: Path):
    text = """\
    facets:
      method:
        tags:
          clutter-filtering:
            rules:
              - id: clutter
                phrases: [clutter filtering]
                unles:
                  - clutter filtering of the search
    """
    folder = config_dir(tmp_path, {"taxonomy.yaml": text})
    result = run_main("--config", folder, "classify", SAMPLE)
    assert_one_line_error(result, f"{folder / 'taxonomy.yaml'}:8:")


def test_pattern_re2_cannot_run_is_a_config_error_not_a_traceback(tmp_path: Path):
    text = """\
    facets:
      method:
        tags:
          clutter-filtering:
            rules:
              - id: clutter
                patterns: ['(?<=reverberation )clutter']
    """
    folder = config_dir(tmp_path, {"taxonomy.yaml": text})
    result = run_main("--config", folder, "classify", SAMPLE)
    assert_one_line_error(result, f"{folder / 'taxonomy.yaml'}:7:")


def test_config_error_through_the_click_group_is_exit_2_with_a_message(tmp_path: Path):
    folder = config_dir(tmp_path, {"taxonomy.yaml": BAD_TAXONOMIES["unknown-key-in-rule"][0]})
    result = run_cli("--config", folder, "classify", SAMPLE)
    assert not isinstance(result.exception, ConfigError)
    assert result.exit_code == 2
    assert "taxonomy.yaml:8:" in result.stderr


def test_missing_config_folder_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "no-such-config"
    result = run_main("--config", missing, "classify", SAMPLE)
    line = assert_one_line_error(result, str(missing))
    assert "does not exist" in line


def test_missing_config_folder_from_the_environment_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "no-such-config"
    result = run_main("parse", SAMPLE, env={"TRIAGE_CONFIG": str(missing)})
    line = assert_one_line_error(result, str(missing))
    assert "does not exist" in line


# --- extending the taxonomy --------------------------------------------------------------------


def without(recs: list[dict], facet: str, tag: str | None = None) -> dict[str, dict]:
    """Each paper's tags with one user-added tag (or a whole facet) taken out."""
    out = {}
    for r in recs:
        tags = {
            f: [t for t in ids if (f, t) != (facet, tag)] for f, ids in r["tags"].items() if f != facet or tag
        }
        out[r["title"]] = {f: ids for f, ids in tags.items() if ids}
    return out


def test_user_tag_in_the_method_facet_works_without_code_changes(tmp_path: Path, shipped: list[dict]):
    folder = config_dir(tmp_path, {"taxonomy.yaml": NEW_METHOD_TAG})
    result = run_cli("-q", "--config", folder, "classify", SAMPLE)
    assert result.exit_code == 0, result.output
    mine = records(result.stdout)
    assert len(mine) == SAMPLE_PAPERS
    tagged = [r["title"] for r in mine if "clutter-filtering" in r["tags"].get("method", [])]
    assert len(tagged) == 1 and tagged[0].startswith(CLUTTER)
    clutter = by_title(mine)[tagged[0]]
    evidence = clutter["evidence"]["method:clutter-filtering"]
    assert {e["rule"] for e in evidence} == {"method:clutter-filtering/clutter"}
    assert any("clutter" in e["text"].lower() for e in evidence)
    # Every shipped tag still fires exactly as before on every paper.
    assert without(mine, "method", "clutter-filtering") == without(shipped, "method", "clutter-filtering")


def test_user_facet_works_without_code_changes(tmp_path: Path, shipped: list[dict]):
    folder = config_dir(tmp_path, {"taxonomy.yaml": NEW_FACET})
    result = run_cli("-q", "--config", folder, "classify", SAMPLE)
    assert result.exit_code == 0, result.output
    mine = records(result.stdout)
    on_gpu = [r for r in mine if r["tags"].get("hardware") == ["gpu"]]
    assert on_gpu, "no paper tagged hardware:gpu"
    assert "Kolmogorov-Arnold Transformer" in {r["title"] for r in on_gpu}
    for r in on_gpu:
        assert all(e["rule"] == "hardware:gpu/gpu" for e in r["evidence"]["hardware:gpu"])
    assert without(mine, "hardware") == without(shipped, "hardware")


def test_user_facet_does_not_break_csv_or_markdown_output(tmp_path: Path):
    folder = config_dir(tmp_path, {"taxonomy.yaml": NEW_FACET})
    csv_run = run_cli("-q", "--config", folder, "classify", SAMPLE, "--format", "csv")
    md_run = run_cli("-q", "--config", folder, "classify", SAMPLE, "--format", "md")
    assert csv_run.exit_code == 0 and md_run.exit_code == 0
    assert len(csv_run.stdout.splitlines()) == 1 + SAMPLE_PAPERS
    assert sum(line.startswith("|") for line in md_run.stdout.splitlines()) == 2 + SAMPLE_PAPERS


def test_triage_config_environment_variable_works_like_the_option(tmp_path: Path):
    folder = config_dir(tmp_path, {"taxonomy.yaml": NEW_METHOD_TAG})
    via_env = run_cli("-q", "classify", SAMPLE, env={"TRIAGE_CONFIG": str(folder)})
    via_option = run_cli("-q", "--config", folder, "classify", SAMPLE)
    assert via_env.exit_code == 0, via_env.output
    assert via_env.stdout == via_option.stdout
    clutter = next(r for r in records(via_env.stdout) if r["title"].startswith(CLUTTER))
    assert "clutter-filtering" in clutter["tags"]["method"]


def test_config_option_wins_over_the_environment(tmp_path: Path, shipped: list[dict]):
    folder = config_dir(tmp_path, {"taxonomy.yaml": NEW_METHOD_TAG})
    empty = tmp_path / "empty-config"
    empty.mkdir()
    result = run_cli("-q", "--config", empty, "classify", SAMPLE, env={"TRIAGE_CONFIG": str(folder)})
    assert result.exit_code == 0, result.output
    assert records(result.stdout) == shipped
