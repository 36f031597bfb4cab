"""Values the domain keeps (issue 8, group B): text is storable, NFC and not
only invisible; a discovery date lies between a documented bound and today;
one unit's dispute waits for a decision before another is filed.

These rules live in ``domain/`` so that every entry point (API, CLI, demo,
imports) gets them; the HTTP layer's own checks are in
``tests/e2e/test_api_values.py``.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.campaign import campaign_id
from domain.errors import InvalidInput, NotFound, TransitionNotAllowed
from domain.issue import EARLIEST_DISCOVERY, Issue
from domain.text import BIDI_CONTROLS, clean_text, is_invisible
from domain.unit import check_unit_name
from domain.user import check_user_name
from services.files import safe_name
from services.instants import EARLIEST_AS_OF, LATEST_AS_OF, parse_as_of
from services.store import resolve_issue_ref
from tests.unit.builders import (
    ADMIN,
    CO_HANDLER,
    HANDLER,
    INSPECTOR,
    TODAY,
    assign,
    collected,
    new_campaign,
    report_fields,
    reported,
)

DECOMPOSED = "Cafe\u0301"  # e + COMBINING ACUTE ACCENT
COMPOSED = "Caf\u00e9"

INVISIBLE_TITLES = [
    "\u200b\u200d\ufeff ",  # zero-width space, joiner, BOM, space
    "\u00a0\u3000\u2003",  # no-break space, ideographic space, em space (Zs)
    "\u202e\u2066\u200e",  # bidi controls (Cf)
    "\x01\x7f\x85\t\n\r",  # C0 and C1 controls, whitespace
    "\u2028\u2029",  # line and paragraph separators
    "\u3164\u115f\u2800",  # Hangul fillers, braille blank: shown as nothing
    "\u00ad\u2060\u180e",  # soft hyphen, word joiner, Mongolian vowel separator
]


def test_text_is_nfc() -> None:
    assert clean_text(DECOMPOSED, "title") == COMPOSED
    assert unicodedata.is_normalized("NFC", clean_text("\u1100\u1161 한글", "title"))


@pytest.mark.parametrize("value", INVISIBLE_TITLES)
def test_text_of_only_invisible_characters_is_empty(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(value, "title")
    assert (refused.value.field, refused.value.code) == ("title", "field_required")
    assert clean_text(value, "description", required=False) == ""


def test_invisible_characters_at_the_edges_go_those_inside_stay() -> None:
    assert clean_text("\u200b\ufeff 危房\u200d改造 \u202e", "title") == "危房\u200d改造"
    # An emoji sequence joined by ZWJ keeps its joiner.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(f" {family} ", "title") == family


def test_the_invisible_set() -> None:
    for ch in "\u200b\u200d\ufeff \u00a0\x00\x1f\u202e\u3164":
        assert is_invisible(ch), hex(ord(ch))
    for ch in "a问é\u0301\U0001f600":
        assert not is_invisible(ch), hex(ord(ch))
    assert (
        frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c") == BIDI_CONTROLS
    )


@pytest.mark.parametrize("value", ["x\ud800y", "\udfff", "a\udcffb", "\ud83d"])
def test_a_lone_surrogate_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(value, "note")
    assert (refused.value.field, refused.value.code) == ("note", "unpaired_surrogate")


def test_nul_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text("a\x00b", "text")
    assert (refused.value.field, refused.value.code) == ("text", "nul_character")


def test_the_limit_counts_the_normalised_text() -> None:
    assert clean_text(DECOMPOSED * 40, "title", limit=160) == COMPOSED * 40  # 200 before, 160 after
    with pytest.raises(InvalidInput) as refused:
        clean_text("问" * 11, "title", limit=10)
    assert refused.value.code == "too_long"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("title", {"title": "x\ud800y"}),
        ("description", {"description": "x\ud800y"}),
        ("title", {"title": "\u200b\u200d\ufeff "}),
    ],
)
def test_report_refuses_unstorable_or_invisible_text(field: str, overrides: dict[str, Any]) -> None:
    campaign = new_campaign()
    with pytest.raises(InvalidInput) as refused:
        Issue.report(actor=INSPECTOR, campaign=campaign, **report_fields(**overrides))
    assert refused.value.field == field
    assert campaign.issues_numbered == 0


def test_every_text_a_report_and_its_commands_record_is_nfc() -> None:
    issue = reported(title=DECOMPOSED, description=f"描述 {DECOMPOSED}")
    assert (issue.title, issue.description) == (COMPOSED, f"描述 {COMPOSED}")
    assign(issue)
    collected(issue)
    issue.report_progress(HANDLER, note=DECOMPOSED)
    issue.comment(ADMIN, text=DECOMPOSED)
    issue.dispute_assignment(CO_HANDLER, reason=DECOMPOSED)
    issue.reassign(ADMIN, lead="D01", co=["C01"], reason=DECOMPOSED, today=TODAY)
    texts = [
        getattr(e, name) for e in collected(issue) for name in ("note", "text", "reason") if hasattr(e, name)
    ]
    assert texts == [COMPOSED] * 4


def test_names_are_nfc_and_not_only_invisible() -> None:
    assert check_unit_name(DECOMPOSED) == COMPOSED
    assert check_user_name(DECOMPOSED, "someone") == COMPOSED
    assert check_user_name("\u200b\u3000", "someone") == "someone"  # empty: the username
    with pytest.raises(InvalidInput) as refused:
        check_unit_name("\u200b\ufeff")
    assert refused.value.code == "field_required"
    with pytest.raises(InvalidInput) as refused:
        check_unit_name("x\ud800")
    assert refused.value.code == "unpaired_surrogate"


# -- discovered_at: not after today, not before EARLIEST_DISCOVERY ------------------------------


def test_the_earliest_discovery_is_documented() -> None:
    assert date(2000, 1, 1) == EARLIEST_DISCOVERY


@pytest.mark.parametrize("found", [TODAY, TODAY - timedelta(days=400), EARLIEST_DISCOVERY])
def test_discovered_at_between_the_bound_and_today_is_taken(found: date) -> None:
    issue = reported(discovered_at=found.isoformat())
    assert issue.discovered_at == found


@pytest.mark.parametrize(
    ("found", "code"),
    [
        (TODAY + timedelta(days=1), "discovered_in_future"),
        (date(2099, 1, 1), "discovered_in_future"),
        (EARLIEST_DISCOVERY - timedelta(days=1), "discovered_too_early"),
        (date(1, 1, 1), "discovered_too_early"),
    ],
)
def test_discovered_at_in_the_future_or_too_early_is_refused(found: date, code: str) -> None:
    campaign = new_campaign()
    with pytest.raises(InvalidInput) as refused:
        Issue.report(actor=INSPECTOR, campaign=campaign, **report_fields(discovered_at=found.isoformat()))
    assert (refused.value.field, refused.value.code) == ("discovered_at", code)
    assert campaign.issues_numbered == 0


# -- disputes: one waiting at a time ------------------------------------------------------------


def test_a_unit_cannot_file_a_second_dispute_while_its_first_waits() -> None:
    issue = reported()
    assign(issue)
    issue.dispute_assignment(CO_HANDLER, reason="不属于本单位职责")
    collected(issue)
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.dispute_assignment(CO_HANDLER, reason="再次申诉")
    assert refused.value.code == "dispute_pending"
    assert refused.value.params["unit"] == "C01"
    assert issue.pending_dispute == {"unit": "C01", "reason": "不属于本单位职责"}
    assert collected(issue) == []


def test_another_units_dispute_does_not_replace_the_waiting_one() -> None:
    issue = reported()
    assign(issue)
    issue.dispute_assignment(CO_HANDLER, reason="不属于本单位职责")
    with pytest.raises(TransitionNotAllowed) as refused:
        issue.dispute_assignment(HANDLER, reason="牵头单位也申诉")
    assert refused.value.code == "dispute_pending"
    assert issue.pending_dispute == {"unit": "C01", "reason": "不属于本单位职责"}


def test_after_the_reassignment_decides_it_a_unit_may_dispute_again() -> None:
    issue = reported()
    assign(issue)
    issue.dispute_assignment(CO_HANDLER, reason="不属于本单位职责")
    issue.reassign(ADMIN, lead="D01", co=["C01"], reason="维持原交办", today=TODAY)
    assert issue.pending_dispute is None
    issue.dispute_assignment(CO_HANDLER, reason="再次申诉")
    assert issue.pending_dispute == {"unit": "C01", "reason": "再次申诉"}


# -- issue references: only ASCII digits name an issue --------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "YC2023-²",  # superscript two: isdigit() but no int()
        "YC2023-١",  # Arabic-Indic one: int() reads it as 1
        "YC2023-０００１",  # fullwidth
        "YC2023-߁",  # NKo one
        "YC2023-+001",
        "YC2023- 001",
        "YC2023-1_000",
        pytest.param("YC2023-" + "9" * 5000, id="5000 digits"),  # int() refuses past 4300
        "YC2023-",
        "-0001",
        "x\ud800y-0001",
    ],
)
def test_only_the_ascii_code_names_an_issue(ref: str) -> None:
    with pytest.raises(NotFound) as refused:
        resolve_issue_ref(ref)
    assert refused.value.code == "unknown_issue"


def test_codes_and_ids_name_their_issue() -> None:
    campaign = new_campaign()
    first = reported(campaign)
    assert resolve_issue_ref("YC2023-0001") == first.id
    assert resolve_issue_ref(" YC2023-0001 ") == first.id
    assert resolve_issue_ref("YC2023-1") == resolve_issue_ref("YC2023-00001") == first.id
    assert resolve_issue_ref(str(first.id)) == first.id
    assert resolve_issue_ref("LL-2022-12345") == Issue.create_id(campaign_id("LL-2022"), 12345)


# -- regular expressions read ASCII digits and word characters only ------------------------------

ROOT = Path(__file__).resolve().parents[2]
RE_CALLS = {"compile", "match", "fullmatch", "search", "sub", "subn", "findall", "finditer", "split"}
#: Escapes whose meaning is Unicode-wide unless re.ASCII: \\d takes "١" and "²".
UNICODE_CLASSES = re.compile(r"\\[dDwWbB]")


def regex_literals() -> list[tuple[str, str, bool]]:
    """Every ``re.<call>("pattern", ...)`` in the code: where, the pattern,
    and whether it is given re.ASCII."""
    found = []
    for layer in ("domain", "services", "web", "workers", "benchmarks"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "re"
                    and node.func.attr in RE_CALLS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    continue
                source = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
                pattern = node.args[0].value
                ascii_only = "re.ASCII" in source or "re.A " in source or pattern.startswith("(?a")
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", pattern, ascii_only))
    return found


def test_the_scan_finds_the_regexes() -> None:
    where = [w for w, _, _ in regex_literals()]
    assert any(w.startswith("services/store.py") for w in where)
    assert any(w.startswith("web/api/base.py") for w in where)
    assert len(where) >= 20


def test_every_regex_with_digit_or_word_classes_is_ascii() -> None:
    unicode_wide = [
        w for w, pattern, ascii_only in regex_literals() if UNICODE_CLASSES.search(pattern) and not ascii_only
    ]
    assert unicode_wide == []


# -- as_of: an instant every later step can compute with -----------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-23:59",  # past datetime.max in UTC
        "0001-01-01T00:00:00+23:59",  # before datetime.min in UTC
        "9999-12-31",  # its end of day is past datetime.max
        "9999-12-31T23:59:59+00:00",  # a day's arithmetic away from the end
        "9999-06-01T00:00:00+08:00",
        "0001-01-01T00:00:00+00:00",
        "0001-01-01",
    ],
)
def test_as_of_out_of_the_computable_range_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="between"):
        parse_as_of(text, SHANGHAI)


def test_as_of_bounds() -> None:
    assert parse_as_of("0001-01-02T00:00:00+00:00", SHANGHAI) == EARLIEST_AS_OF
    assert parse_as_of("9998-12-31T23:59:59.999999+00:00", SHANGHAI) < LATEST_AS_OF
    assert parse_as_of("9998-12-30", SHANGHAI).year == 9998
    assert parse_as_of("2026-12-02T10:00:00+08:00", SHANGHAI).utcoffset() == timedelta(hours=8)


# -- file names: no bidi controls ----------------------------------------------------------------


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_bidi_controls_are_stripped_from_file_names(control: str) -> None:
    assert safe_name(f"invoice{control}fdp.exe") == "invoicefdp.exe"


def test_a_right_to_left_override_cannot_disguise_an_extension() -> None:
    assert safe_name("photo\u202egnp.exe") == "photognp.exe"
    assert safe_name("\u202e\u2066report\u2069.pdf") == "report.pdf"


def test_file_names_lose_controls_and_keep_their_letters() -> None:
    assert safe_name("a\x00b\x1fc\x7fd\x85e\x9f.png") == "a_b_c_d_e_.png"
    assert safe_name("x\ud800y.png") == "x_y.png"
    assert safe_name("危房\u200d照片 Cafe\u0301.jpg") == "危房\u200d照片 Café.jpg"
    assert safe_name("\u202e") == "file"
