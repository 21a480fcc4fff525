"""The store writes evidence JSON by hand for speed; it must be the text the JSON encoder gives."""

import json

from hypothesis import given
from hypothesis import strategies as st

from triage.models import Evidence
from triage.store import evidence_json

ENCODE = json.JSONEncoder(ensure_ascii=False).encode

evidence = st.builds(
    Evidence,
    rule=st.text(),
    text=st.text(),
    field=st.sampled_from(["title", "abstract", "comments"]) | st.text(),
    offset=st.integers(min_value=-1, max_value=10**9),
    weight=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3),
)


@given(st.lists(evidence, max_size=5))
def test_evidence_json_is_the_encoders_text(items: list[Evidence]) -> None:
    assert evidence_json(items) == ENCODE([e.as_dict() for e in items])


def test_evidence_json_keeps_escapes_and_non_ascii() -> None:
    item = Evidence('m:x/"q"', "naïve \\ \n\u2028 😀", "abstract", 3, -0.0)
    assert json.loads(evidence_json([item])) == [item.as_dict()]
    assert evidence_json([item]) == ENCODE([item.as_dict()])
