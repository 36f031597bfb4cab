"""The one mapping from errors to HTTP answers: ``{"code", "message", "errors"}``.

Domain errors carry their meaning; this module only gives each its status
(CONTRACT.md): 401 not authenticated, 403 forbidden, 404 unknown or invisible,
409 lifecycle (with the current ``status``) or a taken name, 412 stale
``If-Match``, 413 too large, 422 invalid input.

``code`` is the HTTP status (CONTRACT.md); the error's stable code is
``reason`` and its parameters ``params`` (plain values, enumeration codes as
codes). ``message`` and the field messages under ``errors`` are in the caller's
language (``Accept-Language``: Chinese for ``zh``, English otherwise), made by
``web/i18n``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from domain.errors import (
    AlreadyExists,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StaleVersion,
    TransitionNotAllowed,
)
from services.accounts import NotAuthenticated
from services.evidence import UploadTooLarge
from services.outages import Unavailable, as_unavailable
from web.edge import Refused
from web.i18n import validation
from web.i18n.language import request_language
from web.i18n.messages import STATUS_CODES, render

log = logging.getLogger(__name__)

STATUS: list[tuple[type[DomainError], int]] = [
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (TransitionNotAllowed, 409),
    (AlreadyExists, 409),
    (StaleVersion, 412),
    (UploadTooLarge, 413),
    (InvalidInput, 422),
    (Unavailable, 503),
]


def error_body(
    code: int,
    message: str,
    errors: dict[str, Any] | None = None,
    *,
    reason: str | None = None,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "errors": errors or {},
        "reason": reason or STATUS_CODES.get(code, "domain_error"),
        "params": params or {},
        **extra,
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD: an error answer
    may repeat what the client sent (an unknown field's name, a code that
    names nothing), and such text has no UTF-8 to be sent in."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


def respond(
    code: int, message: str, errors: dict[str, Any] | None = None, **extra: Any
) -> ResponseReturnValue:
    response = jsonify(_encodable(error_body(code, message, errors, **extra)))
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rectify"'
    return response


def domain_error(e: DomainError) -> ResponseReturnValue:
    code = next((status for cls, status in STATUS if isinstance(e, cls)), 400)
    lang = request_language()
    message = render(e.code, e.params, lang, fallback=e.default_code)
    extra: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if isinstance(e, TransitionNotAllowed):
        extra["status"] = e.status
    if isinstance(e, InvalidInput):
        errors = {e.field or "_": [message]}
    if isinstance(e, StaleVersion):
        extra["version"] = e.actual
    response = respond(code, message, errors, reason=e.code, params=e.params, **extra)
    if isinstance(e, Unavailable) and isinstance(response, Response):
        response.headers["Retry-After"] = str(e.retry_after)
    return response


def validation_error(e: ValidationError) -> ResponseReturnValue:
    messages = e.messages if isinstance(e.messages, dict) else {"_": e.messages}
    lang = request_language()
    return respond(422, render("invalid_fields", {}, lang), validation.translate(messages, lang))


def http_error(e: HTTPException) -> ResponseReturnValue:
    code = e.code or 500
    lang = request_language()
    data = getattr(e, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    # webargs nests parser errors by location ({"json": {...}}); flatten one level.
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers"}:
        flat: dict[str, Any] = {}
        for part in messages.values():
            flat.update(part if isinstance(part, dict) else {"_": part})
        messages = flat
    message = str(data.get("message") or e.description or e.name)
    reason = STATUS_CODES.get(code, "domain_error")
    params: dict[str, Any] = {}
    if isinstance(e, Refused):  # the edge's refusals say why in the caller's language
        reason, params = e.reason, e.params
        message = render(reason, params, lang)
    elif code == 422:
        message = render("invalid_fields", {}, lang)
    elif code == 413:
        message = render("upload_too_large", {}, lang)
    elif lang == "zh":  # English keeps werkzeug's (or the rate limit's) own words
        message = render(reason, {}, lang)
    messages = validation.translate(messages, lang)
    response = respond(
        code,
        message,
        messages if isinstance(messages, dict) else {"_": messages},
        reason=reason,
        params=params,
    )
    if isinstance(response, Response):
        # The exception's own headers (Allow on a 405, ...) stay; the body is ours.
        for name, value in e.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        retry_after = getattr(e, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
    return response


def unexpected_error(e: Exception) -> ResponseReturnValue:
    unavailable = as_unavailable(e)  # the database is down or busy: 503, not a bug
    if unavailable is not None:
        log.warning("database unavailable: %s: %s", type(e).__name__, e)
        return domain_error(unavailable)
    log.exception("unexpected error", exc_info=e)
    return respond(500, render("internal_error", {}, request_language()))


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(ValidationError, validation_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
