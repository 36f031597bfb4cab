"""``web.edge.nesting_exceeds`` agrees with the depth of the parsed JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from web.edge import nesting_exceeds

TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab,:\u4e00'), max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=40,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(JSON, st.integers(min_value=0, max_value=6), st.booleans())
def test_it_measures_what_a_parser_would(value: Any, limit: int, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert nesting_exceeds(body, limit) == (depth(value) > limit), body


def test_unbalanced_bodies_count_their_unclosed_brackets() -> None:
    assert nesting_exceeds(b"[" * 33)
    assert nesting_exceeds(b"[" * 40 + b"}" * 40)
    assert not nesting_exceeds(b'{"a": [}')
    assert not nesting_exceeds(b"]]]]" * 100)
    # An unterminated string hides the rest of the body, as it would from a parser.
    assert not nesting_exceeds(b'["' + b"[" * 100)
    assert nesting_exceeds(b'["\\\\", ' + b"[" * 40 + b"]" * 40 + b"]")
