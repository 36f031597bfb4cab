"""The HTTP edge: what a request body must be before the API reads it.

Each view reads its body through here, where the contract puts input
errors: after 401, 404, 403 and 412, so a bad body on an invisible issue is
still a 404. docs/reliability.md ("HTTP edge") lists each guarantee and the
test that shows it.

- A body is JSON (``application/json`` or ``application/*+json``), or
  ``multipart/form-data`` for a view marked :func:`multipart_body`:
  anything else is 415 ``unsupported_media_type``.
- JSON nested deeper than :data:`MAX_JSON_DEPTH` is 400 ``json_too_deep``,
  decided on the raw bytes before any parser recurses into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request
from werkzeug.exceptions import HTTPException

F = TypeVar("F", bound=Callable[..., Any])

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


MULTIPART = "multipart/form-data"


def multipart_body(view: F) -> F:
    """Marks an API view whose body is ``multipart/form-data`` (uploads)."""
    view.rectify_body = MULTIPART  # type: ignore[attr-defined]
    return view


def has_body() -> bool:
    """Whether the request carries a body (a length, or chunks)."""
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def json_bytes() -> bytes:
    """The body of a view that reads JSON, once it is known to be JSON the API
    may parse: 415 for a body of another type, 413 past the request's limit
    (werkzeug, before reading when the length is declared), 400 when nested
    too deep. ``b""`` without a body."""
    if not has_body():
        return b""
    if not request.is_json:
        raise Refused(
            415, "unsupported_media_type", "send the body as application/json", expected="application/json"
        )
    data = request.get_data(cache=True)
    if nesting_exceeds(data):
        raise Refused(
            400,
            "json_too_deep",
            f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels",
            limit=MAX_JSON_DEPTH,
        )
    return data


def peek_json() -> Any:
    """The parsed body for a view that looks at it before its checks (to pick
    the action or the scope), or ``None`` when it is not JSON the API would
    read: that body is refused later, in its turn."""
    if not has_body() or not request.is_json:
        return None
    if nesting_exceeds(request.get_data(cache=True)):
        return None
    return request.get_json(silent=True)


def check_multipart() -> None:
    """415 unless the body (if any) is ``multipart/form-data``."""
    if has_body() and request.mimetype != MULTIPART:
        raise Refused(
            415, "unsupported_media_type", "send the files as multipart/form-data", expected=MULTIPART
        )


def install(app: Flask) -> None:
    """Makes ``app``'s requests those of the edge."""
