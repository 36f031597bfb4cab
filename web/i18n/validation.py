"""Chinese for marshmallow's (and webargs') field messages.

The schemas keep marshmallow's English messages; for a Chinese caller each
message of the common kinds (required, unknown field, null, wrong type, not one
of the choices, length, range) is said in Chinese. A message of another kind
stays as marshmallow wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from domain.labels import Lang

TYPES_ZH = {
    "string": "字符串",
    "utf-8 string": "UTF-8 字符串",
    "integer": "整数",
    "number": "数字",
    "boolean": "布尔值",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "时间（ISO 8601）",
    "aware datetime": "带时区的时间（ISO 8601）",
    "naive datetime": "不带时区的时间",
    "time": "时刻",
    "list": "列表",
    "mapping type": "对象",
    "UUID": "UUID",
    "email address": "电子邮件地址",
    "url": "网址",
    "URL": "网址",
}

PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Missing data for required field\."), lambda m: "必填字段"),
    (re.compile(r"Unknown field\."), lambda m: "未知字段"),
    (re.compile(r"Field may not be null\."), lambda m: "不能为空值"),
    (re.compile(r"Invalid (?:input )?type\."), lambda m: "类型无效"),
    (re.compile(r"Invalid value\."), lambda m: "值无效"),
    (
        re.compile(r"Not a valid instant: .*"),
        lambda m: (
            "不是有效的时间点：须为带时区的ISO 8601时间或单独的日期（YYYY-MM-DD），"
            "在0001-01-02至9998-12-31（UTC）之间"
        ),
    ),
    (re.compile(r"Not a valid (.+)\."), lambda m: f"不是有效的{TYPES_ZH.get(m[1], m[1])}"),
    (
        re.compile(r'"(.*)" cannot be formatted as an? (.+)\.'),
        lambda m: f"“{m[1]}”不能表示为{TYPES_ZH.get(m[2], m[2])}",
    ),
    (re.compile(r"Must be one of: (.*)\."), lambda m: f"必须是以下之一：{m[1]}"),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\.", re.ASCII),
        lambda m: f"长度须在{m[1]}到{m[2]}之间",
    ),
    (re.compile(r"Length must be (\d+)\.", re.ASCII), lambda m: f"长度须为{m[1]}"),
    (re.compile(r"Shorter than minimum length (\d+)\.", re.ASCII), lambda m: f"长度不能少于{m[1]}"),
    (re.compile(r"Longer than maximum length (\d+)\.", re.ASCII), lambda m: f"长度不能超过{m[1]}"),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."),
        lambda m: f"须在{m[1]}到{m[2]}之间",
    ),
    (re.compile(r"Must be greater than or equal to (\S+)\."), lambda m: f"不能小于{m[1]}"),
    (re.compile(r"Must be less than or equal to (\S+)\."), lambda m: f"不能大于{m[1]}"),
    (re.compile(r"Must be greater than (\S+)\."), lambda m: f"须大于{m[1]}"),
    (re.compile(r"Must be less than (\S+)\."), lambda m: f"须小于{m[1]}"),
    (re.compile(r"Number too large\."), lambda m: "数字过大"),
    (re.compile(r"String does not match expected pattern\."), lambda m: "格式不符合要求"),
    (re.compile(r"must not contain NUL characters"), lambda m: "不能包含 NUL 字符"),
    (
        re.compile(r"must not contain lone surrogates \(invalid Unicode\)"),
        lambda m: "不能包含孤立的代理项（无效的Unicode字符）",
    ),
]


def translate_message(message: str, lang: Lang) -> str:
    if lang != "zh":
        return message
    for pattern, say in PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return say(found)
    return message


def translate(messages: Any, lang: Lang) -> Any:
    """The same nesting of fields (dicts, lists, strings), each message translated."""
    if isinstance(messages, str):
        return translate_message(messages, lang)
    if isinstance(messages, dict):
        return {key: translate(value, lang) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate(value, lang) for value in messages]
    return messages
