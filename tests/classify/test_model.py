"""Learned facet weights (triage.classify.model): the arithmetic, the evidence, validation, the
config override, and `triage rules learn` reproducing scikit-learn's features."""

from __future__ import annotations

import json
import math
import pickle
import textwrap
from pathlib import Path

import pytest

from cli_run import SAMPLE, run_cli, run_main
from triage.classify import load_classifier
from triage.classify.model import FacetModel, Model
from triage.config import ConfigDirs
from triage.errors import ConfigError
from triage.models import Paper, SourceRef

ROOT = Path(__file__).resolve().parents[2]
GOLD_SAMPLE = ROOT / "tests" / "data" / "gold-sample.jsonl"

SMALL = """\
facet: kind
threshold: 0.5
title_repeat: 2
idf: {benchmark: 2.0, evaluate: 1.5, propose: 1.0}
tags:
  benchmark:
    bias: -1.0
    words: {benchmark: 4.0, evaluate: 2.0, propose: -3.0}
    scores: {"kind:benchmark": 1.0}
  method:
    bias: 0.5
    words: {propose: 2.0}
  theory:
    bias: -5.0
"""


def paper(title: str, abstract: str) -> Paper:
    return Paper(id="x", title=title, abstract=abstract, source=SourceRef(file="t", format="markdown"))


def small(tmp_path: Path, text: str = SMALL) -> Model:
    path = tmp_path / "kind-model.yaml"
    path.write_text(text, encoding="utf-8")
    return Model.load(path)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_values_are_tf_idf_of_title_and_abstract_scaled_to_length_one(tmp_path: Path) -> None:
    model = small(tmp_path)
    values = model.values("A Benchmark", "We evaluate and evaluate; we do not PROPOSE. benchmark_x 2024")
    raw = {"benchmark": (1 + math.log(2)) * 2.0, "evaluate": (1 + math.log(2)) * 1.5, "propose": 1.0}
    norm = math.sqrt(sum(v * v for v in raw.values()))
    assert values == pytest.approx({w: v / norm for w, v in raw.items()})
    assert model.values("", "nothing the model knows") == {}


def test_decide_is_the_logistic_of_bias_words_and_rule_scores(tmp_path: Path) -> None:
    model = small(tmp_path)
    title, abstract = "A Benchmark for Parsing", "We evaluate parsers."
    values = model.values(title, abstract)
    scores = {"kind:benchmark": 12.5, "method:llm": 3.0}  # capped at 10, over 5
    z = -1.0 + 4.0 * values["benchmark"] + 2.0 * values["evaluate"] + 1.0 * 10 / 5
    decisions = model.decide(title, abstract, scores, fallback=True)
    assert [d.tag for d in decisions] == ["benchmark", "method"]
    assert decisions[0].probability == pytest.approx(sigmoid(z))
    assert decisions[1].probability == pytest.approx(sigmoid(0.5))
    first = decisions[0].evidence
    assert first[0].rule == "kind:benchmark/model" and first[0].field == "model"
    assert first[0].text == f"p={sigmoid(z):.2f}"
    shown = {(e.text, e.field, e.offset) for e in first[1:]}
    assert shown == {
        ("kind:benchmark score", "tags", 0),
        ("Benchmark", "title", 2),
        ("evaluate", "abstract", 3),
    }
    assert [e.weight for e in first[1:]] == sorted((e.weight for e in first[1:]), reverse=True)


def test_the_most_probable_tag_when_none_passes_only_with_a_fallback(tmp_path: Path) -> None:
    model = small(tmp_path, SMALL.replace("bias: 0.5", "bias: -0.5"))  # below 0.5, above the others
    assert [d.tag for d in model.decide("Notes", "Nothing here.", {}, fallback=True)] == ["method"]
    assert model.decide("Notes", "Nothing here.", {}, fallback=False) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("threshold: 0.5", "threshold: 1.5"), "threshold"),
        (("idf: {benchmark: 2.0,", "idf: {Benchmark: 2.0,"), "is not a word"),
        (("idf: {benchmark: 2.0,", "idf: {'2024': 2.0, benchmark: 2.0,"), "is not a word"),
        (("{benchmark: 4.0,", "{benchmarks: 4.0,"), "has weights but no idf"),
        (("bias: -5.0", "bias: -5.0\n    colour: red"), "unknown key"),
        (("kind:benchmark", "kind-benchmark"), "is not facet:tag"),
    ],
)
def test_a_bad_model_file_names_its_line_and_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        small(tmp_path, SMALL.replace(*change))
    assert str(raised.value).startswith(f"{tmp_path / 'kind-model.yaml'}:") and message in str(raised.value)


def user_config(tmp_path: Path, model: str, taxonomy: str = "") -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "kind-model.yaml").write_text(model, encoding="utf-8")
    if taxonomy:
        (folder / "taxonomy.yaml").write_text(textwrap.dedent(taxonomy), encoding="utf-8")
    return folder


def test_a_users_weights_replace_the_shipped_ones_and_change_the_rules_version(tmp_path: Path) -> None:
    shipped = load_classifier()
    folder = user_config(tmp_path, SMALL)
    mine = load_classifier(ConfigDirs(folder))
    assert mine.model_files["kind"] == folder / "kind-model.yaml"
    assert mine.version() != shipped.version()
    tagged = mine.classify(paper("A Benchmark for Parsing", "We evaluate parsers on many treebanks."))
    kinds = [t for t in tagged.tags if t.facet == "kind"]
    assert [t.id for t in kinds] == ["benchmark", "method"]
    assert kinds[0].evidence[0].rule == "kind:benchmark/model"
    before = mine.version()
    (folder / "kind-model.yaml").write_text(SMALL.replace("bias: 0.5", "bias: 0.25"), encoding="utf-8")
    assert load_classifier(ConfigDirs(folder)).version() != before  # `retag` sees new weights
    again = pickle.loads(pickle.dumps(mine))  # for Spark / Dask: the model is read again
    assert [t.id for t in again.classify(tagged.paper).tags if t.facet == "kind"] == ["benchmark", "method"]


def test_model_null_lets_the_rules_decide_alone(tmp_path: Path) -> None:
    folder = user_config(tmp_path, SMALL, "facets:\n  kind:\n    model: null\n")
    rules_only = load_classifier(ConfigDirs(folder))
    assert rules_only.model_files == {}
    tagged = rules_only.classify(paper("A Benchmark for Parsing", "We evaluate parsers on many treebanks."))
    assert all(not e.rule.endswith("/model") for t in tagged.tags for e in t.evidence)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("facet: kind", "facet: domain"), "holds weights for facet 'domain'"),
        (
            ("  theory:\n    bias: -5.0\n", "  theory:\n    bias: -5.0\n  essay:\n    bias: 0.0\n"),
            "'essay' is not a tag",
        ),
    ],
)
def test_weights_for_another_facet_or_an_unknown_tag_exit_2(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    folder = user_config(tmp_path, SMALL.replace(*change))
    result = run_main("--config", folder, "classify", SAMPLE)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_learn_writes_weights_that_read_back_as_scikit_learn_computes_them(tmp_path: Path) -> None:
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = tmp_path / "rules" / "kind-model.yaml"
    result = run_cli("rules", "learn", GOLD_SAMPLE, "--dump", SAMPLE, "--words", "300", "-o", out)
    assert result.exit_code == 0, result.output
    assert "learned kind weights" in result.stderr and "model: kind-model.yaml" in result.stderr
    spec = Model.load(out).spec
    assert isinstance(spec, FacetModel) and spec.papers == 122 and 0 < len(spec.idf) <= 300
    assert set(spec.tags) <= {"method", "benchmark", "survey", "theory"} and "method" in spec.tags
    model = Model.load(out)
    vocabulary = sorted(spec.idf)
    vectorizer = TfidfVectorizer(
        token_pattern=r"\b(?=\w*[^\W\d_])\w\w+\b", sublinear_tf=True, vocabulary=vocabulary
    )
    records = [json.loads(line) for line in run_cli("classify", SAMPLE).stdout.splitlines()[:20]]
    texts = [" ".join([r["title"], r["title"], r["abstract"]]) for r in records]
    vectorizer.fit(texts)
    vectorizer.idf_ = numpy.array([spec.idf[w] for w in vocabulary])
    matrix = vectorizer.transform(texts)
    for row, record in enumerate(records):
        ours = model.values(record["title"], record["abstract"])
        theirs = {vocabulary[j]: matrix[row, j] for j in matrix[row].indices}
        assert ours == pytest.approx(theirs), record["title"]
    # The weights fit the papers they were learned from (the config folder holding them wins).
    learned = json.loads(
        run_cli("--config", out.parent, "eval", GOLD_SAMPLE, "--dump", SAMPLE, "--format", "json").stdout
    )
    assert learned["facets"]["kind"]["micro_f1"] >= 0.95


def test_learn_refuses_an_unknown_facet_and_overwriting_its_inputs(tmp_path: Path) -> None:
    result = run_main("rules", "learn", GOLD_SAMPLE, "--dump", SAMPLE, "--facet", "kinds")
    assert result.exit_code == 2 and "'kinds' is not a facet" in result.stderr
    result = run_main("rules", "learn", GOLD_SAMPLE, "--dump", SAMPLE, "-o", GOLD_SAMPLE)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    one = tmp_path / "one.jsonl"
    one.write_text(GOLD_SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = run_main("rules", "learn", one, "--dump", SAMPLE)
    assert result.exit_code == 1 and "at least two labelled papers" in result.stderr


def test_learn_without_scikit_learn_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    result = run_main("rules", "learn", GOLD_SAMPLE, "--dump", SAMPLE)
    assert result.exit_code == 1 and "pip install 'paper-triage[learn]'" in result.stderr


def test_rules_check_reads_the_weights_and_reports_a_bad_file(tmp_path: Path) -> None:
    result = run_main("rules", "check")
    assert result.exit_code == 0 and "kind: learned weights ok" in result.stdout
    folder = user_config(tmp_path, SMALL.replace("bias: -5.0", "bias: [1]"))
    result = run_main("--config", folder, "rules", "check")
    assert result.exit_code == 2 and "kind-model.yaml:" in result.stderr and "bias" in result.stderr


def test_the_rule_scores_the_weights_read_keep_a_fallbacks_real_score() -> None:
    """A fallback tag has 0 points of its own; the same tag's rule score short of its threshold is
    in `near`. Learning and running read the larger, through one function."""
    from triage.classify.model import rule_scores
    from triage.models import Tag

    fallback, short = Tag("kind", "method", 0.0, []), Tag("kind", "method", 1.5, [])
    assert rule_scores([fallback, short]) == rule_scores([short, fallback]) == {"kind:method": 1.5}
    assert rule_scores([Tag("code", "none", 1.0, []), fallback]) == {"code:none": 1.0}


SURVEY = paper(
    "A Survey of Parsing Benchmarks",
    "This survey reviews parsing methods. We survey each benchmark and we evaluate parsers.",
)


def kinds_of(folder: Path, item: Paper = SURVEY) -> list[str]:
    return [t.id for t in load_classifier(ConfigDirs(folder)).classify(item).tags if t.facet == "kind"]


def test_tags_the_weights_do_not_cover_keep_their_rules_and_suppresses_still_holds(tmp_path: Path) -> None:
    # SMALL has no survey weights: the rules' survey stays, and (survey suppresses method) the
    # weights' method goes to near.
    folder = user_config(tmp_path, SMALL)
    assert kinds_of(folder) == ["benchmark", "survey"]
    tagged = load_classifier(ConfigDirs(folder)).classify(SURVEY)
    assert "kind:method" in {t.key for t in tagged.near}
    rules_only = tmp_path / "rules-only"
    rules_only.mkdir()
    (rules_only / "taxonomy.yaml").write_text("facets:\n  kind:\n    model: null\n", encoding="utf-8")
    empty = user_config(tmp_path, "facet: kind\nidf: {}\ntags: {}\n")
    assert sorted(kinds_of(empty)) == sorted(kinds_of(rules_only)) == ["benchmark", "survey"]
    assert kinds_of(empty, paper("Notes", "Nothing here.")) == ["method"]  # the facet's fallback
    # Weights that do not cover the fallback: a paper none of their tags fits gets the fallback,
    # not their most probable tag.
    no_method = SMALL[: SMALL.index("  method:")] + "  theory:\n    bias: -5.0\n"
    assert kinds_of(user_config(tmp_path, no_method), paper("Notes on things", "Nothing here.")) == ["method"]


def test_a_single_valued_facet_keeps_the_most_probable_tag(tmp_path: Path) -> None:
    folder = user_config(tmp_path, SMALL, "facets:\n  kind:\n    multiple: false\n")
    assert kinds_of(folder, paper("A Benchmark for Parsing", "We evaluate parsers.")) == ["benchmark"]


def gold_file(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_learn_reads_only_the_lines_that_label_the_facet(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in GOLD_SAMPLE.read_text(encoding="utf-8").splitlines()]
    for line in lines[30:]:
        del line["tags"]["kind"]
    gold = gold_file(tmp_path / "gold.jsonl", lines)
    result = run_main("rules", "learn", gold, "--dump", SAMPLE, "--words", "50", "-o", tmp_path / "k.yaml")
    assert result.exit_code in (0, 1), result.stderr
    assert "from 30 labelled papers" in result.stderr or "30 papers label the facet" in result.stderr


def test_learn_from_gold_lines_with_abstracts_and_its_one_line_errors(tmp_path: Path) -> None:
    words = ["alpha beta", "gamma delta", "epsilon zeta", "theta iota"]
    lines = [
        {"title": f"Paper {w}", "abstract": f"{w} only.", "tags": {"kind": [k]}}
        for w, k in zip(words, ["method", "method", "benchmark", "benchmark"], strict=True)
    ]
    for name, drop in (("disjoint", ""), ("common", " only.")):
        same = [{**line, "abstract": line["abstract"].replace(" only.", drop)} for line in lines]
        result = run_main("rules", "learn", gold_file(tmp_path / f"{name}.jsonl", same))
        assert result.exit_code == 1 and "share no word" in result.stderr, result.stderr
    result = run_main("rules", "learn", GOLD_SAMPLE, "--dump", SAMPLE, "-o", tmp_path / "kind.txt")
    assert result.exit_code == 2 and "name it like kind-model.yaml" in result.stderr
    cues = ["we propose", "we propose", "we evaluate", "we evaluate"]
    shared = [
        {**line, "abstract": f"{line['abstract']} {cue}."} for line, cue in zip(lines, cues, strict=True)
    ]
    unlabelled = {"title": "A line that labels another facet", "tags": {"domain": ["vision"]}}
    twin = {**shared[0], "abstract": shared[0]["abstract"] + " again"}  # same title, its own line
    gold = gold_file(tmp_path / "shared.jsonl", [*shared, unlabelled, twin])
    result = run_main("rules", "learn", gold, "-o", tmp_path / "m.yaml")
    assert result.exit_code == 0, result.stderr
    assert "no weights for survey, theory" in result.stderr and "from 5 labelled papers" in result.stderr


def test_a_model_missing_from_the_users_folder_is_reported_there(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "taxonomy.yaml").write_text("facets:\n  kind:\n    model: mine.yaml\n", encoding="utf-8")
    result = run_main("--config", folder, "classify", SAMPLE)
    assert result.exit_code == 2 and str(folder / "mine.yaml") in result.stderr


def test_show_prints_the_weights_probability_and_names_each_rule_once(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert run_cli("ingest", "--db", db, SAMPLE).exit_code == 0
    shown = run_cli("show", "--db", db, "Investigating Sparsity in Recurrent").stdout
    line = next(x for x in shown.splitlines() if x.strip().startswith("kind:"))
    assert "weights: p=" in line and line.count("kind:benchmark/model") == 1
