"""The markdown page parser, on excerpts of firecrawl and trending-page captures."""

from __future__ import annotations

import datetime as dt

from parse_helpers import split

from triage.parse import ParseOptions, parse_text


def test_firecrawl_titles_abstracts_ids_and_dates(parse_fixture):
    papers, skipped = parse_fixture("md-firecrawl-2026-10-02.md")
    assert skipped == []
    assert [(p.source.line, p.arxiv_id) for p in papers] == [
        (32, "2606.00683"),
        (44, "2609.11115"),
        (56, "2502.20581"),
        (91, "2511.12142"),
    ]
    assert papers[0].title == "OCC-RAG: Optimal Cognitive Core for Faithful Question Answering"
    assert papers[0].abstract.startswith("Recent progress in the development of language models")
    # each card's own date line; a yearless one takes the capture's year (from the file name)
    assert [p.published for p in papers[:3]] == [
        dt.date(2026, 5, 29),
        dt.date(2026, 9, 9),
        dt.date(2025, 2, 27),
    ]


def test_firecrawl_hard_breaks_and_escapes_join_cleanly(parse_fixture):
    noisy = parse_fixture("md-firecrawl-2026-10-02.md")[0][2]
    # the title link text has `Engage\  with`; the abstract ends every line with `\\`
    assert noisy.title == (
        "The Noisy Path from Source to Citation: Measuring How Scholars Engage with Past Research"
    )
    assert "\\" not in noisy.abstract
    assert "and tracing knowledge flows. Such uses typically rely on" in noisy.abstract
    assert noisy.abstract.endswith("the potential for distortion of evidence.")
    assert "3 authors" not in noisy.abstract  # the `- 3 authors` link block is page furniture


def test_capture_cut_inside_an_abstract_is_kept_and_flagged(parse_fixture):
    mavis = parse_fixture("md-firecrawl-2026-10-02.md")[0][-1]
    assert mavis.title.startswith("MAVIS: A Benchmark for Multimodal Source Attribution")
    assert mavis.abstract.endswith("Our dataset comprises 157")
    assert mavis.extra["truncated"] is True


def test_trending_entries_rendered_twice_collapse_to_one(parse_fixture):
    papers, skipped = parse_fixture("md-trending-duplicated.md")
    assert skipped == []
    assert [p.title for p in papers] == [
        "Agent Lightning: Train ANY AI Agents with Reinforcement Learning",
        "ShapeR: Robust Conditional 3D Shape Generation from Casual Captures",
        "Continuous Audio Language Models",
        # a heading continued on an indented line is one title
        "SmolDocling: An ultra-compact vision-language model for end-to-end multi-modal document conversion",
        "PaddleOCR-VL: Boosting Multilingual Document Parsing via a 0.9B Ultra-Compact Vision-Language Model",
    ]
    agent = papers[0]
    assert agent.abstract.startswith("Agent Lightning is a flexible RL framework")
    assert agent.abstract.endswith("to handle complex interactions.")  # no `- 8 authors`
    assert agent.extra["githubRepo"] == "https://github.com/microsoft/agent-lightning"
    calm = papers[2]
    assert calm.urls == ["https://continuous-audio-language-models.github.io"]
    assert "githubRepo" not in papers[-1].extra  # its link was cut off by the capture


def test_link_text_titles_and_two_space_hard_breaks():
    text = (
        "[12](https://huggingface.co/login?next=%2Fpapers%2F2405.12345)\n\n"
        "[A Title Given as Link Text](https://huggingface.co/papers/2405.12345)\n\n"
        "We study a problem.  \nThe abstract is hard-broken with two spaces.  \n"
        "It ends here.\n\n"
        "[A Title With No Abstract](https://huggingface.co/papers/2405.99999)\n"
    )
    papers, skipped = split(list(parse_text(text, "page.md", ParseOptions("markdown"))))
    assert [(p.arxiv_id, p.title) for p in papers] == [("2405.12345", "A Title Given as Link Text")]
    assert papers[0].abstract == (
        "We study a problem. The abstract is hard-broken with two spaces. It ends here."
    )
    assert [(s.source.line, s.reason) for s in skipped] == [
        (9, "title with no abstract after it: 'A Title With No Abstract'")
    ]
