"""Every error code has a Chinese and an English sentence, and the sentences
are filled with the error's parameters (labels for enumeration values).

The codes are found where they are raised (``code="..."`` in ``domain/``,
``services/`` and ``web/``) and as each error class's default, so a new code
without its sentences fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask

from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, StaleVersion, TransitionNotAllowed
from domain.lifecycle import Action, Status, next_status
from services.accounts import NotAuthenticated
from services.evidence import UploadTooLarge
from tests.unit.builders import DEADLINE, HANDLER, reported
from web.i18n.language import request_language
from web.i18n.messages import MESSAGES, STATUS_CODES, placeholders, render
from web.i18n.validation import translate

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def error_classes() -> set[type[DomainError]]:
    # Imported so that their classes count too.
    assert issubclass(NotAuthenticated, DomainError) and issubclass(UploadTooLarge, DomainError)
    found: set[type[DomainError]] = set()
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def raised_codes() -> dict[str, list[str]]:
    """``code="..."`` given to an error class (or to a ``missing`` error class), by code."""
    names = {cls.__name__ for cls in error_classes()} | {"missing"}
    codes: dict[str, list[str]] = {}
    for layer in ("domain", "services", "web"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
                ):
                    continue
                for kw in node.keywords:
                    if (
                        kw.arg == "code"
                        and isinstance(kw.value, ast.Constant)
                        and isinstance(kw.value.value, str)
                    ):
                        codes.setdefault(kw.value.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return codes


def test_the_scan_finds_the_raise_sites() -> None:
    codes = raised_codes()
    assert "field_required" in codes and "role_forbidden" in codes and "unknown_unit" in codes
    assert len(codes) > 30


def test_every_raised_code_has_both_sentences() -> None:
    codes = set(raised_codes()) | {cls.default_code for cls in error_classes()} | set(STATUS_CODES.values())
    missing = sorted(code for code in codes if code not in MESSAGES)
    assert missing == []
    for code in codes:
        zh, en = MESSAGES[code]
        assert CHINESE.search(zh), code
        assert en and not CHINESE.search(en), code


def test_both_sentences_of_a_code_take_the_same_parameters() -> None:
    for code, (zh, en) in MESSAGES.items():
        assert placeholders(zh) == placeholders(en), code


def test_each_error_class_has_its_own_code() -> None:
    defaults = [cls.default_code for cls in error_classes()]
    assert len(defaults) == len(set(defaults))


def test_enumeration_parameters_are_shown_with_their_labels() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        next_status(Status.CLOSED, Action.ASSIGN)
    e = refused.value
    assert (e.code, e.params) == ("transition_not_allowed", {"action": "assign", "status": "closed"})
    assert str(e) == "cannot assign an issue whose status is closed"  # the English for logs and the CLI
    assert render(e.code, e.params, "zh") == "问题当前状态为“已销号”，不能交办"
    assert render(e.code, e.params, "en") == "cannot assign: the issue is closed"

    forbidden = Forbidden("x", code="role_forbidden", params={"role": "clerk", "action": "reassign"})
    assert render(forbidden.code, forbidden.params, "zh") == "信息员不能改派"
    reporting = {"role": "handler", "action": "report"}  # not a lifecycle action
    assert render("role_forbidden", reporting, "zh") == "责任单位经办人不能登记问题"
    assert render("role_forbidden", reporting, "en") == "the role handler may not report problems"


def test_field_names_and_lists_are_said_in_the_language() -> None:
    e = InvalidInput("title must not be empty", "title", code="field_required")
    assert e.params == {"field": "title"} and e.errors == {"title": ["title must not be empty"]}
    assert render(e.code, e.params, "zh") == "标题不能为空"
    assert render(e.code, e.params, "en") == "title must not be empty"
    listed = {"field": "file", "missing": ["id", "sha256"]}
    assert render("evidence_metadata_incomplete", listed, "zh") == "佐证材料信息缺少：id、sha256"
    assert render("evidence_metadata_incomplete", listed, "en") == "evidence metadata lacks id, sha256"


def test_a_code_without_a_sentence_or_its_parameters_falls_back_to_the_class() -> None:
    e = InvalidInput("deadline is odd", "deadline", code="some_new_code")
    assert e.code == "some_new_code"
    assert render(e.code, e.params, "zh", fallback=e.default_code) == "整改期限的值无效"
    bare = NotFound("gone", code="unknown_unit")  # no params given: the class's sentence
    assert render(bare.code, bare.params, "en", fallback=bare.default_code) == "not found"
    assert NotFound("gone").code == "not_found" and NotFound("gone").params == {}


def test_domain_raise_sites_name_their_codes() -> None:
    with pytest.raises(InvalidInput) as refused:
        reported(source="rumour")
    assert refused.value.code == "invalid_choice"
    assert refused.value.params["field"] == "source" and "flying" in refused.value.params["allowed"]
    issue = reported()
    with pytest.raises(Forbidden) as forbidden:
        issue.assign(HANDLER, lead="D01", co=[], deadline=DEADLINE, measures="整改")
    assert (forbidden.value.code, forbidden.value.params) == (
        "role_forbidden",
        {"role": "handler", "action": "assign"},
    )
    stale = StaleVersion(3, 4)
    assert (stale.code, stale.params) == ("stale_version", {"expected": 3, "actual": 4})


def test_marshmallow_messages_in_chinese() -> None:
    messages = {
        "title": ["Missing data for required field."],
        "x": ["Unknown field."],
        "deadline": ["Not a valid date."],
        "as_of": ["Not a valid aware datetime."],
        "by": ["Must be one of: unit, aspect, source."],
        "note": ["Length must be between 1 and 5000."],
        "per_page": ["Must be greater than or equal to 1 and less than or equal to 100."],
        "aspects": {"0": {"code": ["Field may not be null."]}},
        "odd": ["Something marshmallow never says."],
    }
    assert translate(messages, "en") == messages
    assert translate(messages, "zh") == {
        "title": ["必填字段"],
        "x": ["未知字段"],
        "deadline": ["不是有效的日期（YYYY-MM-DD）"],
        "as_of": ["不是有效的带时区的时间（ISO 8601）"],
        "by": ["必须是以下之一：unit, aspect, source"],
        "note": ["长度须在1到5000之间"],
        "per_page": ["须在1到100之间"],
        "aspects": {"0": {"code": ["不能为空值"]}},
        "odd": ["Something marshmallow never says."],
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("zh", "zh"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-Hans", "zh"),
        ("zh_CN", "zh"),
        ("zh-TW, en;q=0.5", "zh"),
        ("fr, zh;q=0.3", "zh"),
        ("en;q=0.9, zh;q=0.8", "en"),
        ("zh;q=0, en;q=0.1", "en"),
        ("zh;q=0", "en"),
        ("de, fr;q=0.5", "en"),
        ("*", "en"),
    ],
)
def test_the_language_comes_from_accept_language(header: str | None, expected: str) -> None:
    headers = {"Accept-Language": header} if header is not None else {}
    with Flask(__name__).test_request_context("/", headers=headers):
        assert request_language() == expected
    if header in (None, "*", "de, fr;q=0.5"):
        with Flask(__name__).test_request_context("/", headers=headers):
            assert request_language(default="zh") == "zh"  # the pages' default
