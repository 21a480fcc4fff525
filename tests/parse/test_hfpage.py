"""The saved-page text format: the shipped sample dump, messy captures, and which year a date means."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from parse_helpers import Parsed, split

from triage.config import ConfigDirs
from triage.parse import ParseOptions, parse_file
from triage.parse.dates import parse_date_line

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "hf-papers-sample.txt"


def parse_page(path: Path, date: dt.date | None = None, input_format: str | None = "hf-page") -> Parsed:
    """Parse as `triage parse` does: the shipped parsing.yaml (boilerplate and UI patterns) applies."""
    return split(list(parse_file(path, ParseOptions.load(ConfigDirs(), input_format, date))))


def write(tmp_path: Path, text: str | bytes, name: str = "page.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def abstract(topic: str) -> str:
    return (
        f"We study {topic} in depth and propose a simple method for it. "
        f"Experiments on five benchmarks show that our {topic} method beats strong baselines."
    )


# A small clean capture: page furniture, one date line, three title / abstract pairs.
CLEAN_PAGE = f"""new

Get trending papers in your email inbox!

Subscribe

byAK and the research community

May 7

Sparse Mixtures of Tiny Experts

{abstract("sparse experts")}

Pruning Vision Transformers Without Retraining

{abstract("token pruning")}

Kolmogorov-Arnold Networks for Tabular Data

{abstract("tabular learning")}
"""
CLEAN_TITLES = [
    "Sparse Mixtures of Tiny Experts",
    "Pruning Vision Transformers Without Retraining",
    "Kolmogorov-Arnold Networks for Tabular Data",
]


# --- the shipped sample dump -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Parsed:
    return parse_page(SAMPLE, input_format=None)


def test_sample_gives_exactly_122_papers_and_no_skips(sample: Parsed):
    papers, skipped = sample
    assert len(papers) == 122
    assert skipped == []
    assert {p.source.format for p in papers} == {"hf-page"}


def test_sample_first_and_last_papers_match_the_dump_exactly(sample: Parsed):
    papers, _ = sample
    first, last = papers[0], papers[-1]
    assert first.title == (
        "Multi-Task Multi-Agent Shared Layers are Universal Cognition of Multi-Agent Coordination"
    )
    assert first.abstract.startswith(
        "Multi-agent reinforcement learning shines as the pinnacle of multi-agent systems, "
    )
    assert first.abstract.endswith("further validating the effectiveness of our approach.")
    assert first.source.line == 11
    assert last.title == "Training the Untrainable: Introducing Inductive Bias via Representational Alignment"
    assert last.abstract.startswith("We demonstrate that architectures which traditionally are")
    # The dump has no final newline: the last abstract must still be whole.
    assert not SAMPLE.read_bytes().endswith(b"\n")
    assert last.abstract == SAMPLE.read_text(encoding="utf-8").rsplit("\n", 1)[1]
    assert last.abstract.endswith("the network.")


def test_sample_every_title_and_abstract_is_the_line_in_the_dump(sample: Parsed):
    papers, _ = sample
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    for paper in papers:
        line = paper.source.line
        assert paper.title == lines[line - 1].strip(), f"title at line {line}"
        assert lines[line] == "", f"blank line after the title at line {line}"
        assert paper.abstract == lines[line + 1].strip(), f"abstract after line {line}"
    assert [p.source.line for p in papers] == list(range(11, 11 + 4 * 122, 4))


def test_sample_papers_are_dated_may_7_never_in_the_future(sample: Parsed):
    papers, _ = sample
    dates = {p.published for p in papers}
    assert len(dates) == 1
    (published,) = dates
    assert (published.month, published.day) == (5, 7)
    assert published <= dt.date.today()
    assert published.year in (dt.date.today().year, dt.date.today().year - 1)


def test_sample_ids_are_distinct_title_hashes(sample: Parsed):
    papers, _ = sample
    assert len({p.id for p in papers}) == 122
    assert all(p.arxiv_id is None and p.id.startswith("t") for p in papers)


def test_sample_urls_lose_trailing_dots_and_latex_braces(sample: Parsed):
    papers, _ = sample
    by_title = {p.title.split(":")[0]: p for p in papers}
    assert by_title["CSWin Transformer"].urls == ["https://github.com/microsoft/CSWin-Transformer"]
    clutter = next(p for p in papers if p.title.startswith("Deep Spatiotemporal Clutter Filtering"))
    assert "tree/main{https://" in clutter.abstract  # the raw LaTeX leftover is in the dump
    assert clutter.urls == ["https://github.com/MahdiTabassian/Deep-Clutter-Filtering/tree/main"]
    for paper in papers:
        for url in paper.urls:
            assert url.startswith("https://"), url
            assert not url.endswith((".", ",", ")", "}", ";")), url
            assert "{" not in url and "}" not in url, url


# --- robustness: the same page, captured badly -------------------------------------------------


def clean_result(tmp_path: Path) -> list[tuple[str, str, dt.date | None]]:
    papers, skipped = parse_page(write(tmp_path, CLEAN_PAGE, "clean.txt"), dt.date(2025, 5, 9))
    assert skipped == []
    assert [p.title for p in papers] == CLEAN_TITLES
    return [(p.title, p.abstract, p.published) for p in papers]


MESSES = {
    "crlf": lambda b: b.replace(b"\n", b"\r\n"),
    "old-mac-cr": lambda b: b.replace(b"\n", b"\r"),
    "bom": lambda b: b"\xef\xbb\xbf" + b,
    "no-final-newline": lambda b: b.rstrip(b"\n"),
    "extra-blank-lines": lambda b: b"\n\n \n" + b.replace(b"\n\n", b"\n\n\n   \n\t\n\n") + b"\n\n\n",
    "trailing-spaces-and-indent": lambda b: b.replace(b"\n", b"  \n    "),
    "all-at-once": lambda b: (
        b"\xef\xbb\xbf" + b.replace(b"\n\n", b"\n \n\n").replace(b"\n", b"\r\n").rstrip()
    ),
}


@pytest.mark.parametrize("mess", MESSES.values(), ids=MESSES.keys())
@pytest.mark.parametrize("detect", [True, False], ids=["detected", "forced"])
def test_badly_captured_page_gives_the_same_papers(mess, detect, tmp_path: Path):
    expected = clean_result(tmp_path)
    path = write(tmp_path, mess(CLEAN_PAGE.encode("utf-8")), "messy.txt")
    papers, skipped = parse_page(path, dt.date(2025, 5, 9), None if detect else "hf-page")
    assert skipped == []
    assert [(p.title, p.abstract, p.published) for p in papers] == expected
    assert all(p.source.format == "hf-page" for p in papers)


def test_hard_wrapped_abstract_and_title_are_joined_with_single_spaces(tmp_path: Path):
    text = (
        "May 7\n\n"
        "A Title That Was\n   Wrapped Over Two Lines\n\n"
        "  We propose a method that\n"
        "was hard-wrapped by the capture tool.\t \n"
        "It keeps   working even so, and it beats\n"
        "   every baseline we tried on three benchmarks.\n"
    )
    papers, skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert skipped == []
    [paper] = papers
    assert paper.title == "A Title That Was Wrapped Over Two Lines"
    assert paper.abstract == (
        "We propose a method that was hard-wrapped by the capture tool. It keeps working even so, "
        "and it beats every baseline we tried on three benchmarks."
    )
    assert paper.source.line == 3


def test_each_date_section_dates_its_own_papers(tmp_path: Path):
    text = f"""Daily Papers

May 7

Paper Under A Yearless Date

{abstract("yearless dates")}

Second Paper Of May 7

{abstract("more yearless dates")}

May 8, 2024

Paper Under A Date With A Year

{abstract("dated sections")}

2025-05-09

Paper Under An ISO Date

{abstract("iso dates")}

7 April

Paper Under A Day-First Date

{abstract("day first dates")}
"""
    papers, skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert skipped == []
    assert [(p.title, p.published) for p in papers] == [
        ("Paper Under A Yearless Date", dt.date(2025, 5, 7)),
        ("Second Paper Of May 7", dt.date(2025, 5, 7)),
        ("Paper Under A Date With A Year", dt.date(2024, 5, 8)),
        ("Paper Under An ISO Date", dt.date(2025, 5, 9)),
        ("Paper Under A Day-First Date", dt.date(2025, 4, 7)),
    ]


def test_papers_before_any_date_line_have_no_date(tmp_path: Path):
    text = f"Undated Paper\n\n{abstract('undated things')}\n"
    [paper], skipped = parse_page(write(tmp_path, text))
    assert skipped == []
    assert paper.published is None


def test_stray_ui_lines_never_become_titles_or_abstracts(tmp_path: Path):
    text = f"""Trending Papers

May 7

42

Submitted by akhaliq

A Paper Between UI Lines

· 5 authors

1.2k

https://huggingface.co/papers/2505.01234

{abstract("noisy pages")}

Upvote

17

Second Paper

• 12 authors

{abstract("second topics")}

***

Load more
"""
    papers, skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert skipped == []
    assert [p.title for p in papers] == ["A Paper Between UI Lines", "Second Paper"]
    assert papers[0].abstract == abstract("noisy pages")
    assert papers[0].urls == []
    assert papers[1].abstract == abstract("second topics")


def test_trailing_title_without_abstract_is_skipped_with_its_line(tmp_path: Path):
    text = f"May 7\n\nComplete Paper\n\n{abstract('complete things')}\n\n\nA Title Cut Off By The Capture\n"
    papers, skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert [p.title for p in papers] == ["Complete Paper"]
    [skip] = skipped
    assert skip.source.line == 8
    assert skip.source.file.endswith("page.txt")
    assert "no abstract" in skip.reason
    assert skip.message().startswith(f"{tmp_path / 'page.txt'}:8: skipped:")


def test_title_without_abstract_mid_dump_is_skipped_and_the_rest_still_parse(tmp_path: Path):
    text = f"""May 7

Orphan Title Before A Date

May 8

Orphan Title Before Another Title

Real Paper

{abstract("real things")}
"""
    papers, skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert [(p.title, p.published) for p in papers] == [("Real Paper", dt.date(2025, 5, 8))]
    assert [s.source.line for s in skipped] == [3, 7]


def test_undecodable_bytes_are_replaced_and_the_paper_kept(tmp_path: Path):
    raw = (
        b"May 7\n\nCaf\xe9 Networks: Latin-1 In A Title\n\n"
        + abstract("caf\xe9 networks").encode("latin-1")
        + b"\n\nNext Paper\n\n"
        + abstract("next things").encode()
        + b"\n"
    )
    papers, skipped = parse_page(write(tmp_path, raw), dt.date(2025, 5, 9), input_format=None)
    assert skipped == []
    assert [p.title for p in papers] == ["Caf\ufffd Networks: Latin-1 In A Title", "Next Paper"]
    assert "caf\ufffd networks" in papers[0].abstract


def test_html_entities_are_decoded(tmp_path: Path):
    text = (
        "May 7\n\nQ&amp;A over Tables: &quot;Ask&quot; &#38; Answer\n\n"
        "We cut errors to &lt;1% on&nbsp;average&#8212;a large gain. It&#39;s simple, and it beats "
        "every baseline on R&amp;D benchmarks.\n"
    )
    [paper], skipped = parse_page(write(tmp_path, text), dt.date(2025, 5, 9))
    assert skipped == []
    assert paper.title == 'Q&A over Tables: "Ask" & Answer'
    assert paper.abstract == (
        "We cut errors to <1% on average\u2014a large gain. It's simple, and it beats "
        "every baseline on R&D benchmarks."
    )


# --- which year a yearless date line means ----------------------------------------------------

YEARLESS_PAGE = f"May 7\n\nA Yearless Paper\n\n{abstract('years')}\n"


@pytest.mark.parametrize("name", ["hf-2025-05-09.txt", "papers_20250509.txt", "2025.05.09-hf.txt"])
def test_year_comes_from_a_date_in_the_file_name(name, tmp_path: Path):
    [paper], _ = parse_page(write(tmp_path, YEARLESS_PAGE, name))
    assert paper.published == dt.date(2025, 5, 7)


def test_date_option_wins_over_the_file_name(tmp_path: Path):
    [paper], _ = parse_page(write(tmp_path, YEARLESS_PAGE, "hf-2023-05-09.txt"), dt.date(2024, 6, 1))
    assert paper.published == dt.date(2024, 5, 7)


def test_january_dump_listing_december_papers_is_last_year(tmp_path: Path):
    text = f"Dec 30\n\nA Paper From Late December\n\n{abstract('new year')}\n"
    [paper], _ = parse_page(write(tmp_path, text, "hf-2025-01-05.txt"))
    assert paper.published == dt.date(2024, 12, 30)


def _latest_on_or_before(month: int, day: int, today: dt.date) -> dt.date:
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise AssertionError("unreachable")


@pytest.mark.parametrize("offset", [0, 1, -1], ids=["today", "tomorrow", "yesterday"])
def test_without_date_or_name_the_current_year_is_used_but_never_a_future_date(offset, tmp_path: Path):
    today = dt.date.today()
    day = today + dt.timedelta(days=offset)
    if (day.month, day.day) == (2, 29):
        pytest.skip("Feb 29 is covered deterministically below")
    text = f"{day:%b} {day.day}\n\nA Paper Of That Day\n\n{abstract('calendars')}\n"
    [paper], _ = parse_page(write(tmp_path, text, "page.txt"))
    assert paper.published == _latest_on_or_before(day.month, day.day, today)
    assert paper.published <= today


def test_yearless_feb_29_the_day_before_is_not_a_future_date():
    # As if today were 2024-02-28 and a page listed "Feb 29" (no --date, no date in the file name).
    found = parse_date_line("Feb 29", dt.date(2024, 2, 28), explicit=False)
    assert found is not None and found <= dt.date(2024, 2, 28)


@pytest.mark.parametrize("reference", [dt.date(9999, 12, 31), dt.date(9999, 7, 2), dt.date.max])
def test_a_reference_date_at_the_end_of_the_calendar_is_no_overflow(reference):
    # `--date 9999-12-31`: the half-year of slack ran past year 9999 (OverflowError, a traceback).
    found = parse_date_line("May 7", reference, explicit=True)
    assert found is not None and found <= dt.date.today()


def test_date_option_at_the_end_of_the_calendar_from_the_command_line(tmp_path: Path):
    from click.testing import CliRunner

    from triage.cli import cli

    args = ["parse", str(write(tmp_path, YEARLESS_PAGE, "page.txt")), "--date", "9999-12-31"]
    result = CliRunner(env={"TRIAGE_CONFIG": None}).invoke(cli, args)
    assert result.exit_code == 0 and result.exception is None, result.output
