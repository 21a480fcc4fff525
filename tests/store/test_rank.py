"""ranking.yaml mistakes are reported, and phrases match across dashes and spaces."""

from __future__ import annotations

from pathlib import Path

from store_helpers import ok, run

from triage.classify import load_classifier
from triage.rank import Interests, Ranker, Ranking


def test_an_unknown_interest_tag_in_ranking_yaml_is_a_config_error(tmp_path: Path):
    config = tmp_path / "rules"
    config.mkdir()
    (config / "ranking.yaml").write_text("interests:\n  tags: {prunning: 1.0}\n")
    result = ok(run("--config", config, "list"), 2)  # on the bundled sample
    assert "prunning" in result.stderr and "ranking.yaml" in result.stderr


def test_a_phrase_matches_with_dashes_or_spaces_either_way():
    taxonomy = load_classifier().taxonomy
    for phrase in ("kolmogorov-arnold", "kolmogorov arnold"):
        ranker = Ranker(Ranking(interests=Interests(phrases={phrase: 1.0})), taxonomy)
        pattern = ranker.phrases[0][1]
        assert pattern.search("kolmogorov-arnold networks") and pattern.search("kolmogorov  arnold nets")
