"""The HTTP edge: what a request body must be before the API reads it.

Runs before every view (and before the API's authentication), so a body
that is refused here is refused without a token too, and without being
parsed. docs/reliability.md ("HTTP edge") lists each guarantee and its test.

- JSON nested deeper than :data:`MAX_JSON_DEPTH` is 400 ``json_too_deep``,
  decided on the raw bytes before any parser recurses into it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

#: How deep a JSON body may nest (objects and lists); the API's deepest body,
#: a campaign's aspects and categories, is 5.
MAX_JSON_DEPTH = 32


class Refused(HTTPException):
    """A request the edge refuses; ``reason`` and ``params`` say why
    (``web/i18n/messages.py`` has the sentences)."""

    def __init__(self, code: int, reason: str, description: str, **params: Any) -> None:
        super().__init__(description)
        self.code = code
        self.reason = reason
        self.params = params


_ESCAPE = re.compile(rb"\\[\s\S]")
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_SAME_BRACKETS = bytes.maketrans(b"{}", b"[]")


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``body`` nests deeper than ``limit`` (or might: a body
    whose brackets do not balance is judged by its unclosed ones, which
    is how deep a parser would go before it noticed).

    Escapes and then strings are removed, then the brackets left are peeled,
    innermost pairs first, at most ``limit`` times: every step is a pass in C
    over the body, none recurses."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    if b"\\" in body:
        body = _ESCAPE.sub(b"", body)
    outside_strings = b"".join(body.split(b'"')[::2])
    brackets = outside_strings.translate(_SAME_BRACKETS, _NOT_BRACKETS)
    if b"[" * (limit + 1) in brackets:  # the usual attack, found at once
        return True
    for peeled in range(limit + 1):
        inner = brackets.replace(b"[]", b"")
        if inner == brackets:  # nothing nested is left: "]]...[[" at most
            return peeled + brackets.count(b"[") > limit
        brackets = inner
    return True


def _check_body() -> None:
    if not request.is_json or request.content_length == 0:
        return
    if nesting_exceeds(request.get_data(cache=True)):
        raise Refused(
            400,
            "json_too_deep",
            f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels",
            limit=MAX_JSON_DEPTH,
        )


def install(app: Flask) -> None:
    """Runs the edge's checks before every view of ``app``."""
    app.before_request(_check_body)
