"""The rules must keep their measured quality on the hand-labelled gold sets.

The floors sit a little under the figures measured when the rules were last tuned, so a rule
change that hurts tagging fails CI; raise them when the rules get better. The kind facet is
decided by weights learned from all these sets (configs/kind-model.yaml), so its figures here
are partly fitted; the last test checks weights learned without two of the sets on those two.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.classify import load_classifier
from triage.classify.evaluate import EvalReport, evaluate, read_gold
from triage.config import ConfigDirs
from triage.models import Paper
from triage.parse import parse_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

# gold file -> papers it labels -> micro-F1 floors per facet (code: accuracy, as micro-F1 of a
# single-valued facet equals accuracy).
GOLD_SETS = {
    "sample": (DATA / "gold-sample.jsonl", ROOT / "data" / "hf-papers-sample.txt"),
    "hfapi": (DATA / "gold-hfapi.jsonl", DATA / "gold-hfapi-papers.jsonl"),
    "digest": (DATA / "gold-digest.jsonl", DATA / "gold-digest-papers.jsonl"),
    # Labelled after the first rules were tuned, from other records of the same sources plus 40
    # mostly non-ML snapshot papers. Later tuning rounds used it, so it is no longer unseen data.
    "heldout": (DATA / "heldout.jsonl", DATA / "heldout-papers.jsonl"),
    # 100 more (45 API, 45 digest, 10 snapshot), labelled later still and scored once before any
    # change: domain 0.715, method 0.804, kind 0.813, code 0.950. Three generic code fixes
    # (comment links, "code available in <url>", a misspelt "avaliable") followed.
    "heldout2": (DATA / "heldout2.jsonl", DATA / "heldout2-papers.jsonl"),
    # 100 more (50 API, 50 digest), labelled while the second tuning round ran and kept out of it:
    # domain 0.756, method 0.810, kind 0.769, code 0.980 before that round, and 0.766 / 0.798 /
    # 0.769 / 0.980 after it (never tuned on).
    "heldout3": (DATA / "heldout3.jsonl", DATA / "heldout3-papers.jsonl"),
    # 100 more API papers no other set holds, labelled by reading only and scored once before the
    # third tuning round (tuned on heldout2 and heldout3, checked on this set): domain 0.801,
    # method 0.793, kind 0.851, code 0.990; after it 0.836 / 0.808 / 0.878 / 0.990.
    "heldout4": (DATA / "heldout4.jsonl", DATA / "heldout4-papers.jsonl"),
    # 100 more (80 digest, 20 API), labelled after the third round and scored before the fourth
    # was tuned on it: 0.759 / 0.719 / 0.820 / 0.980 (the rules before the third round scored
    # 0.744 / 0.719 / 0.811 / 0.980).
    "heldout5": (DATA / "heldout5.jsonl", DATA / "heldout5-papers.jsonl"),
    # 100 more (50 API, 50 digest), labelled while the fourth round was tuned on heldout5 and
    # scored once after most of it: 0.780 / 0.805 / 0.836 / 0.970 (the rules before the third round
    # scored 0.766 / 0.800 / 0.836 / 0.970). Its three code misses then led to generic code fixes
    # (a repository given as projectPage, "code available" in comments, software licences, "an
    # open-source library"), so its code figure is no longer blind.
    "heldout6": (DATA / "heldout6.jsonl", DATA / "heldout6-papers.jsonl"),
    # 99 more (50 API, 49 digest), labelled during the fifth round and scored once after it: 0.750 /
    # 0.751 / 0.804 / 0.960 (the rules before the third round scored 0.751 / 0.745 / 0.794 / 0.950).
    # Its code misses then led to denial statements ("neither the model nor ... is accessible") and
    # a tighter availability pattern, and the sixth round was tuned on it.
    "heldout7": (DATA / "heldout7.jsonl", DATA / "heldout7-papers.jsonl"),
    # 100 more (24 API, 76 digest), labelled during the sixth round and scored once after it, never
    # looked into: 0.746 / 0.764 / 0.824 / 0.970 (the rules before the third round scored 0.729 /
    # 0.764 / 0.824 / 0.960). The seventh round was then tuned on it.
    "heldout8": (DATA / "heldout8.jsonl", DATA / "heldout8-papers.jsonl"),
    # 100 more, all from arXiv digests, labelled during the seventh round and scored once after it,
    # never looked into: 0.689 / 0.754 / 0.789 / 0.980 (the rules before the third round scored
    # 0.673 / 0.747 / 0.789 / 0.980). The eighth round was then checked on it.
    "heldout9": (DATA / "heldout9.jsonl", DATA / "heldout9-papers.jsonl"),
    # 92 more, the last unlabelled digest papers (the parser's test records left out), labelled
    # during the eighth round and scored blind before and after it: 0.657 / 0.719 / 0.879 / 0.989
    # with the rules before the round, 0.644 with its first version (domain); the part that did not
    # hold up on this set (a higher social-urban threshold) was then dropped: 0.667.
    "heldout10": (DATA / "heldout10.jsonl", DATA / "heldout10-papers.jsonl"),
}
FLOORS = {
    "sample": {"domain": 0.87, "method": 0.81, "kind": 0.92, "code": 0.98},
    "hfapi": {"domain": 0.85, "method": 0.86, "kind": 0.90, "code": 0.97},
    "digest": {"domain": 0.77, "method": 0.85, "kind": 0.79, "code": 0.95},
    "heldout": {"domain": 0.85, "method": 0.78, "kind": 0.79, "code": 0.97},
    "heldout2": {"domain": 0.71, "method": 0.78, "kind": 0.79, "code": 0.97},
    "heldout3": {"domain": 0.76, "method": 0.77, "kind": 0.74, "code": 0.96},
    "heldout4": {"domain": 0.81, "method": 0.78, "kind": 0.85, "code": 0.97},
    "heldout5": {"domain": 0.75, "method": 0.71, "kind": 0.80, "code": 0.96},
    "heldout6": {"domain": 0.77, "method": 0.78, "kind": 0.81, "code": 0.97},
    "heldout7": {"domain": 0.74, "method": 0.73, "kind": 0.78, "code": 0.96},
    "heldout8": {"domain": 0.72, "method": 0.75, "kind": 0.80, "code": 0.96},
    "heldout9": {"domain": 0.69, "method": 0.73, "kind": 0.76, "code": 0.96},
    "heldout10": {"domain": 0.64, "method": 0.70, "kind": 0.85, "code": 0.96},
}


@pytest.fixture(scope="module")
def reports() -> dict[str, EvalReport]:
    """Each gold set scored once per test run (the rules are compiled once)."""
    classifier = load_classifier()
    facets = [*classifier.taxonomy.facets, "code"]
    out = {}
    for name, (gold_path, dump) in GOLD_SETS.items():
        papers = [p for p in parse_file(dump) if isinstance(p, Paper)]
        out[name] = evaluate(read_gold(gold_path), (classifier.classify(p) for p in papers), facets)
    return out


@pytest.mark.parametrize("name", sorted(GOLD_SETS))
def test_every_gold_paper_is_found(name: str, reports: dict[str, EvalReport]) -> None:
    report = reports[name]
    assert report.unmatched == []
    assert report.matched == len(read_gold(GOLD_SETS[name][0]))


@pytest.mark.parametrize(
    ("name", "facet"), [(n, f) for n in sorted(GOLD_SETS) for f in ("domain", "method", "kind", "code")]
)
def test_micro_f1_stays_above_floor(name: str, facet: str, reports: dict[str, EvalReport]) -> None:
    micro = reports[name].facet_micro(facet)
    assert micro.f1 >= FLOORS[name][facet], (
        f"{name} {facet}: micro-F1 {micro.f1:.3f} fell below {FLOORS[name][facet]} "
        f"(P {micro.precision:.3f}, R {micro.recall:.3f}); run `triage eval` to see the mistakes"
    )


LEARNED_CHECK = ("heldout9", "heldout10")  # left out of the weights learned below


def test_kind_weights_learned_without_two_sets_beat_the_rules_on_them(
    tmp_path: Path, reports: dict[str, EvalReport]
) -> None:
    """The shipped kind weights were learned from every gold set, so the kind figures above are
    partly fitted. Learned again without two sets, they must still beat the rules alone there:
    the check that the weights generalise (measured: 0.789 -> 0.866 and 0.879 -> 0.935)."""
    from cli_run import run_cli

    learned_from = [name for name in GOLD_SETS if name not in LEARNED_CHECK]
    folder = tmp_path / "rules"
    args: list[str | Path] = ["rules", "learn", *(GOLD_SETS[n][0] for n in learned_from)]
    for name in learned_from:
        args += ["--dump", GOLD_SETS[name][1]]
    result = run_cli(*args, "-o", folder / "kind-model.yaml")
    assert result.exit_code == 0, result.output
    (folder / "rules-only").mkdir()
    (folder / "rules-only" / "taxonomy.yaml").write_text(
        "facets:\n  kind:\n    model: null\n", encoding="utf-8"
    )
    learned, rules_only = (
        load_classifier(ConfigDirs(folder)),
        load_classifier(ConfigDirs(folder / "rules-only")),
    )
    counts = {"learned": [0, 0, 0], "rules": [0, 0, 0]}
    for name in LEARNED_CHECK:
        gold_path, dump = GOLD_SETS[name]
        papers = [p for p in parse_file(dump) if isinstance(p, Paper)]
        for label, classifier in (("learned", learned), ("rules", rules_only)):
            micro = evaluate(
                read_gold(gold_path), (classifier.classify(p) for p in papers), ["kind"]
            ).facet_micro("kind")
            counts[label] = [
                a + b for a, b in zip(counts[label], (micro.tp, micro.fp, micro.fn), strict=True)
            ]
    f1 = {label: 2 * tp / (2 * tp + fp + fn) for label, (tp, fp, fn) in counts.items()}
    assert f1["learned"] >= 0.88 and f1["learned"] >= f1["rules"] + 0.04, f1
