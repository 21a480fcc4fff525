"""Text normalisation every parser shares: clean text, URLs out of prose, title keys and paper ids."""

from __future__ import annotations

import pytest

from triage.text import clean_text, extract_urls, normalise_arxiv_id, paper_id, title_key

# --- clean_text --------------------------------------------------------------------------------


def test_clean_text_collapses_every_kind_of_whitespace():
    text = "  Sparse\u00a0 experts\t\n scale\u2028well\u3000in\u202fpractice\ufeff  "
    assert clean_text(text) == "Sparse experts scale well in practice"


def test_clean_text_decodes_html_entities():
    assert clean_text("Q&amp;A &lt;1% &quot;fast&quot; it&#39;s &#8212; R&D") == (
        'Q&A <1% "fast" it\'s \u2014 R&D'
    )


def test_clean_text_drops_terminal_control_characters():
    cleaned = clean_text("red \x1b[31mALERT\x1b[0m bell\x07 done\x9b")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert "ALERT" in cleaned and cleaned.endswith("done")


@pytest.mark.parametrize("blank", ["", "   ", "\n\t \u00a0"])
def test_clean_text_of_blank_is_empty(blank):
    assert clean_text(blank) == ""


# --- extract_urls ------------------------------------------------------------------------------

REPO = "https://github.com/a/b"


@pytest.mark.parametrize(
    "text",
    [
        f"Code is at {REPO}.",
        f"Code is at {REPO}, with models.",
        f"Code: {REPO}; data too.",
        f"See {REPO}!",
        f"Is it {REPO}?",
        f"Code is at {REPO}...",
        f"(code: {REPO})",
        f"(code: {REPO}).",
        f"[{REPO}]",
        f"<{REPO}>",
        f'"{REPO}"',
        f"'{REPO}'",
        f"**{REPO}**",
        f"\\url{{{REPO}}}",
        f"\\href{{{REPO}}}{{{REPO}}}.",
    ],
)
def test_trailing_punctuation_and_wrappers_are_stripped(text):
    assert extract_urls(text) == [REPO]


def test_latex_link_braces_give_the_url_once():
    main = "https://github.com/MahdiTabassian/Deep-Clutter-Filtering/tree/main"
    assert extract_urls(f"available at {main}{{{main}}}.") == [main]


def test_balanced_parentheses_inside_a_url_are_kept():
    url = "https://en.wikipedia.org/wiki/Mixture_(probability)"
    assert extract_urls(f"see {url}.") == [url]
    assert extract_urls(f"(see {url})") == [url]


def test_query_strings_are_kept_whole():
    url = "https://example.org/search?q=moe&page=2"
    assert extract_urls(f"Results: {url}.") == [url]


def test_urls_are_deduplicated_in_order_of_appearance():
    text = (
        "Project page https://proj.github.io/x/ and code https://github.com/o/r. "
        "The code (https://github.com/o/r) and the page https://proj.github.io/x/ again."
    )
    assert extract_urls(text) == ["https://proj.github.io/x/", "https://github.com/o/r"]


def test_www_urls_get_a_scheme():
    assert extract_urls("Demo at www.example.org/demo.") == ["https://www.example.org/demo"]


@pytest.mark.parametrize("text", ["no links here", "https://", "http://localhost/", "this https URL"])
def test_text_without_a_real_url_gives_none(text):
    assert extract_urls(text) == []


# --- title_key ---------------------------------------------------------------------------------

SAME_TITLES = [
    "Self-Supervised Learning: A Survey",
    "self-supervised learning: a survey",
    "SELF-SUPERVISED LEARNING: A SURVEY",
    "Self\u2013Supervised Learning \u2014 A Survey",  # en dash, em dash
    "Self\u2010Supervised Learning: A Survey.",  # Unicode hyphen
    "Self Supervised  Learning,\tA Survey!",
    "  Self-Supervised\u00a0Learning: A\nSurvey  ",
    "Self-Supervised&nbsp;Learning: A Survey",
    "S\u00e9lf-Supervised Learning: A Survey",  # accent
]


def test_titles_differing_in_case_punctuation_dashes_and_spaces_share_a_key():
    keys = {title_key(t) for t in SAME_TITLES}
    assert len(keys) == 1, keys


@pytest.mark.parametrize(
    "other",
    [
        "Self-Supervised Learning: A Review",
        "Semi-Supervised Learning: A Survey",
        "Self-Supervised Learning",
        "Self-Supervised Learning: A Survey 2",
    ],
)
def test_different_titles_get_different_keys(other):
    assert title_key(other) != title_key(SAME_TITLES[0])


# --- paper ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2401.01234", "2401.01234"),
        ("2401.01234v2", "2401.01234"),
        ("arXiv:2401.01234v3", "2401.01234"),
        ("  arXiv:2401.0123  ", "2401.0123"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("not an id", None),
        ("2401.1", None),
        ("", None),
        (None, None),
    ],
)
def test_arxiv_ids_are_normalised(raw, expected):
    assert normalise_arxiv_id(raw) == expected


def test_the_arxiv_id_is_the_paper_id_when_known():
    assert paper_id("2401.01234", "Any Title") == "2401.01234"
    assert paper_id(normalise_arxiv_id("arXiv:2401.01234v2"), "Another Title") == "2401.01234"


def test_without_an_arxiv_id_the_id_is_a_short_title_hash():
    ids = {paper_id(None, title) for title in SAME_TITLES}
    assert len(ids) == 1
    (pid,) = ids
    assert pid.startswith("t") and len(pid) == 13
    assert paper_id(None, "Semi-Supervised Learning: A Survey") != pid


def test_title_hash_ids_are_stable_across_releases():
    # Stored databases key papers by these ids: changing the hash orphans every stored decision.
    assert paper_id(None, "Self-Supervised Learning") == "te39fc37b177f"
    assert paper_id(
        None, "Multi-Task Multi-Agent Shared Layers are Universal Cognition of Multi-Agent Coordination"
    ) == ("t3b6d81af31de")
