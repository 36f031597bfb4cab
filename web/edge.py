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
- A body is at most ``RECTIFY_MAX_JSON_BYTES`` (1 MB); an upload at most
  :data:`FILES_PER_REQUEST` files of ``RECTIFY_MAX_UPLOAD_BYTES`` each and a
  small form. Past it: 413, before a byte is read when the length is
  declared, else as soon as the streamed body (or one file in it) passes it.
  Upload parts are written to temporary files as they arrive (past their
  first 128 KB), never gathered in memory.
- A body that stops before its end (the client went away, or was silent for
  longer than the server waits) is 408 ``request_timeout``.
- Every answer says ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, Response, current_app, request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge

F = TypeVar("F", bound=Callable[..., Any])

#: Files one upload may carry (each within the per-file limit).
FILES_PER_REQUEST = 10
#: An upload's form fields beside its files (a note has at most 5,000 characters).
FORM_FIELD_BYTES = 64 * 1024
FORM_PARTS = 2 * FILES_PER_REQUEST + 4
#: An upload part past this much goes to a temporary file (werkzeug's own
#: threshold is 500 KB; with 24 parts that could hold 12 MB, this at most 3 MB).
SPOOL_BYTES = 128 * 1024

#: How deep a JSON body may nest (objects and lists); the API's deepest body,
#: a campaign's aspects and categories, is 5.
MAX_JSON_DEPTH = 32


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


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
    data = _read_within_limit()
    if nesting_exceeds(data):
        raise Refused(
            400,
            "json_too_deep",
            f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels",
            limit=MAX_JSON_DEPTH,
        )
    return data


def _too_large() -> Refused:
    limit = request.max_content_length or 0
    return Refused(
        413, "body_too_large", f"the request body is larger than {human_size(limit)}", limit=human_size(limit)
    )


def _timed_out() -> Refused:
    """The body stopped before its end: the client went away, or fell silent
    for longer than the server waits (gunicorn's ``timeout``)."""
    return Refused(408, "request_timeout", "the request body did not arrive in time")


def _overran() -> bool:
    """Whether a streamed body (chunked: no declared length) went on past
    the limit; werkzeug stops reading it there without saying so."""
    if request.content_length is not None or not getattr(request.stream, "is_exhausted", False):
        return False
    return bool(request.environ["wsgi.input"].read(1))


def _read_within_limit() -> bytes:
    """The body, read only when its declared length is within the limit and
    refused once a streamed one passes it."""
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large() from None
    except ClientDisconnected:
        raise _timed_out() from None
    if _overran():
        raise _too_large()
    return data


def peek_json() -> Any:
    """The parsed body for a view that looks at it before its checks (to pick
    the action or the scope), or ``None`` when it is not JSON the API would
    read: that body is refused later, in its turn."""
    if not has_body() or not request.is_json:
        return None
    if nesting_exceeds(_read_within_limit()):
        return None
    return request.get_json(silent=True)


def multipart_form() -> tuple[MultiDict[str, FileStorage], MultiDict[str, str]]:
    """The files and fields of a :func:`multipart_body` view's body: 415
    unless it is ``multipart/form-data``; 413 past the request's limit, or as
    soon as one file passes the per-file limit (``file_too_large``), or past
    the form's fields and parts."""
    if has_body() and request.mimetype != MULTIPART:
        raise Refused(
            415, "unsupported_media_type", "send the files as multipart/form-data", expected=MULTIPART
        )
    if (
        request.content_length
        and request.max_content_length
        and (request.content_length > request.max_content_length)
    ):
        raise _too_large()
    try:
        files, form = request.files, request.form
    except RequestEntityTooLarge:
        if request.content_length is None and getattr(request.stream, "is_exhausted", False):
            # A chunked body past the limit (a declared length over it was refused above).
            raise _too_large() from None
        raise Refused(
            413,
            "upload_too_large",
            f"an upload has at most {FORM_PARTS} parts, each field at most {human_size(FORM_FIELD_BYTES)}",
        ) from None
    except ClientDisconnected:
        raise _timed_out() from None
    if _overran():
        raise _too_large()
    return files, form


class _CappedFile(tempfile.SpooledTemporaryFile[bytes]):
    """An upload part, in memory up to :data:`SPOOL_BYTES` then on disk,
    refused (413) the moment it passes ``limit``."""

    def __init__(self, limit: int, name: str) -> None:
        super().__init__(max_size=SPOOL_BYTES, mode="w+b")
        self.limit, self.upload_name, self.written = limit, name, 0

    def write(self, s: Any) -> int:
        self.written += len(s)
        if self.written > self.limit:
            raise Refused(
                413,
                "file_too_large",
                f"{self.upload_name} is larger than {human_size(self.limit)}",
                name=self.upload_name,
                limit=human_size(self.limit),
            )
        written: int = super().write(s)
        return written


class EdgeRequest(Request):
    """Flask's request, with a per-file limit on upload parts."""

    max_file_bytes: int | None = None

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.max_file_bytes is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        part = _CappedFile(self.max_file_bytes, filename or "file")
        self._parts.append(part)
        return part

    @property
    def _parts(self) -> list[_CappedFile]:
        parts: list[_CappedFile] = self.__dict__.setdefault("_rectify_parts", [])
        return parts

    def close(self) -> None:
        """Also the parts of a body refused midway, which no ``files`` holds."""
        super().close()
        for part in self._parts:
            part.close()


def install(app: Flask, *, max_json_bytes: int, max_upload_bytes: Callable[[], int]) -> None:
    """Makes ``app``'s requests those of the edge: at most ``max_json_bytes``
    a body, and for an upload ``max_upload_bytes()`` (read per request) a file."""
    app.request_class = EdgeRequest
    app.config["MAX_CONTENT_LENGTH"] = max_json_bytes

    @app.after_request
    def no_sniffing(response: Response) -> Response:
        # A browser takes a download (or any answer) for the type it is sent as.
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.before_request
    def upload_limits() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "rectify_body", None) != MULTIPART:
            return
        per_file = max_upload_bytes()
        assert isinstance(request, EdgeRequest)
        request.max_file_bytes = per_file
        request.max_content_length = per_file * FILES_PER_REQUEST + FORM_FIELD_BYTES * FORM_PARTS
        request.max_form_memory_size = FORM_FIELD_BYTES
        request.max_form_parts = FORM_PARTS
