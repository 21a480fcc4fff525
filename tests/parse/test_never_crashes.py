"""Every parser turns any text into Paper | Skipped records and never raises."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parse_helpers import FIXTURES

from triage.errors import InputError
from triage.models import Paper, Skipped
from triage.parse import FORMATS, ParseOptions, detect_format, parse_file, parse_text

# Lines of the real fixtures, shuffled and cut, reach far more parser states than random text.
FIXTURE_LINES = sorted({line for path in FIXTURES.iterdir() for line in path.read_text().splitlines()})
lines = st.lists(st.one_of(st.sampled_from(FIXTURE_LINES), st.text(max_size=80)), max_size=60)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=150, deadline=None)
@given(text=lines.map("\n".join))
def test_any_text_parses_without_raising(fmt, text):
    options = ParseOptions(input_format=fmt, date=dt.date(2026, 1, 20))
    for record in parse_text(text, "dump", options):
        assert isinstance(record, Paper | Skipped)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2000) | lines.map(lambda ls: "\r\n".join(ls).encode("utf-8", "surrogatepass")))
def test_any_bytes_in_a_file_parse_or_are_refused_with_one_message(tmp_path_factory, data):
    """Undecodable bytes, BOMs, CRLF, NULs: records come out, or the file is refused (InputError,
    shown as one line); nothing else is ever raised."""
    path = tmp_path_factory.mktemp("bytes") / "dump.txt"
    path.write_bytes(data)
    try:
        records = list(parse_file(path, ParseOptions(date=dt.date(2026, 1, 20))))
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert all(isinstance(record, Paper | Skipped) for record in records)


@settings(max_examples=150, deadline=None)
@given(text=lines.map("\n".join))
def test_detection_always_names_a_format(text):
    assert detect_format("dump", text) in FORMATS


# Half of a UTF-16 pair (an emoji cut by a scraper), in every field a JSON format carries: the
# str Python decodes it into cannot be written as UTF-8, so SQLite and every writer failed on it.
HALF_EMOJI_RECORDS = {
    "arxiv-snapshot": '{"id": "2401.00001", "title": "T \\ud83d", "abstract": "a \\ud83d", '
    '"authors": "A \\ud83d B", "categories": "cs.LG \\udfff", "comments": "c \\ud800"}',
    "hf-api": '[{"paper": {"id": "2401.00002", "title": "T", "summary": "s", "authors": '
    '[{"name": "\\ud83d"}], "githubRepo": "https://github.com/a/b\\ud83d"}, "\\ud83dkey": 1}]',
    "triage-jsonl": '{"id": "x\\ud83d", "title": "T", "abstract": "a", "authors": ["\\udc00"], '
    '"urls": [], "extra": {"k\\ud83d": ["\\ud83d"]}, "source": {"file": "f\\ud83d", "format": "hf-page"}}',
}


@pytest.mark.parametrize("fmt", sorted(HALF_EMOJI_RECORDS))
def test_a_lone_surrogate_escape_in_any_json_field_becomes_a_replacement_character(fmt):
    records = list(parse_text(HALF_EMOJI_RECORDS[fmt], "dump", ParseOptions(input_format=fmt)))
    assert len(records) == 1 and isinstance(records[0], Paper), records
    dumped = records[0].model_dump_json()  # raised UnicodeEncodeError before
    assert "\ufffd" in dumped and not any("\ud800" <= ch <= "\udfff" for ch in dumped)
