"""Any text in any text field of a report: the answer is 201 or 422, never a
5xx (issue 8, group B). A property test over the real app on SQLite and
PostgreSQL: lone surrogates, NUL and other controls, bidi controls,
invisible characters, decomposed letters, text at and past the limits, and
values that are no text at all. What is accepted is kept as the domain's
text rule says (``domain/text.py``): NFC, without invisible edges.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from domain.issue import MAX_DESCRIPTION, MAX_TITLE
from domain.text import BIDI_CONTROLS, clean_text, has_surrogate
from services.bootstrap import Services
from tests.e2e.samples import issue_body
from tests.support import City, in_days, report, small_city

Auth = Callable[[str], dict[str, str]]

#: Characters a hostile or careless client sends.
SPECIAL = [
    "\x00",
    "\ud800",
    "\udfff",
    "\udcff",
    "\ufeff",
    "\u200b",
    "\u200d",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\x85",
    "\x1b",
    "\x7f",
    "\u3164",
    "\u0301",
    "e\u0301",
    "\U0001f468\u200d\U0001f469",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "<script>",
    *sorted(BIDI_CONTROLS),
]

#: Every code point: surrogates, unassigned and private use included.
ANY_CHARACTER = st.characters(exclude_categories=())

pieces = st.one_of(st.sampled_from(SPECIAL), st.text(ANY_CHARACTER, max_size=12))
texts = st.one_of(
    st.text(ANY_CHARACTER, max_size=60),
    # Text a person might write, from every script, with marks and symbols.
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=80),
    st.lists(pieces, max_size=12).map("".join),
    # Around the limits: a long run of one letter with something odd inside.
    st.tuples(
        st.sampled_from([MAX_TITLE - 1, MAX_TITLE, MAX_TITLE + 1, MAX_DESCRIPTION, MAX_DESCRIPTION + 1]),
        st.sampled_from(["问", "a", "e\u0301", " "]),
        pieces,
    ).map(lambda t: t[1] * t[0] + t[2]),
)
#: Now and then no text at all.
values = st.one_of(texts, texts, texts, st.none(), st.integers(), st.booleans(), st.lists(texts, max_size=2))

#: Fields naming something (a code, a choice, a date): mostly left valid, so
#: that the free texts' own outcome is seen.
OTHER_FIELDS = ["campaign", "aspect", "category", "unit", "source", "severity", "discovered_at"]


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sender=st.sampled_from(["inspector", "clerk"]),
    title=values,
    description=values,
    others=st.dictionaries(st.sampled_from(OTHER_FIELDS), values, max_size=2) | st.just({}),
)
def test_any_text_in_a_report_is_201_or_422(
    client: FlaskClient,
    city: City,
    token_for: Auth,
    sender: str,
    title: Any,
    description: Any,
    others: dict[str, Any],
) -> None:
    body = issue_body(title=title, description=description, **others)
    note(repr(body))
    answer = client.post(
        "/api/v1/issues", data=json.dumps(body), content_type="application/json", headers=token_for(sender)
    )
    text = answer.get_data(as_text=True)
    event(f"answered {answer.status_code}")
    assert answer.status_code in (201, 422), text
    assert answer.mimetype == "application/json"
    shown = answer.get_json()
    if answer.status_code == 422:
        assert shown["errors"], text
        return
    # What the server read: JSON joins a "\ud800\udc00" pair into one character.
    received = json.loads(json.dumps(body))
    for name in ("title", "description"):
        sent = received[name]
        kept = shown[name]
        assert not has_surrogate(kept) and "\x00" not in kept
        assert unicodedata.is_normalized("NFC", kept)
        limit, required = (MAX_TITLE, True) if name == "title" else (MAX_DESCRIPTION, False)
        assert kept == clean_text(sent, name, limit=limit, required=required)
    assert shown["title"]


@pytest.fixture
def assigned(services: Services, city: City) -> str:
    """One assigned problem, for every example of a test (hypothesis runs
    them all on the fixtures of one test call)."""
    issue = report(services, city)
    services.app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    return issue


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(["comment", "progress", "dispute"]), text=values)
def test_any_text_in_a_command_is_200_409_or_422(
    client: FlaskClient, assigned: str, token_for: Auth, command: str, text: Any
) -> None:
    issue = assigned
    field = {"comment": "text", "progress": "note", "dispute": "reason"}[command]
    sender = "admin" if command == "comment" else "handler"
    answer = client.post(
        f"/api/v1/issues/{issue}/{command}",
        data=json.dumps({field: text}),
        content_type="application/json",
        headers=token_for(sender),
    )
    event(f"{command} answered {answer.status_code}")
    # 409: a second dispute while the first waits.
    assert answer.status_code in (200, 409, 422), answer.get_data(as_text=True)
    if answer.status_code == 422:
        assert field in answer.get_json()["errors"]
