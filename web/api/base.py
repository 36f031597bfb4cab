"""What every API resource shares: the Api subclass, blueprints that
authenticate, ``If-Match``, and bodies parsed after the access checks."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar

from apispec import BasePlugin
from flask import request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from domain.actor import Actor
from domain.errors import InvalidInput
from domain.lifecycle import Action
from domain.text import ascii_uuid
from web import edge, errors
from web.auth import authenticate, current_actor
from web.context import services

T = TypeVar("T")

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class ErrorSchema(Schema):
    """Every error answer (CONTRACT.md)."""

    code = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(required=True)
    reason = fields.String(metadata={"description": "the error's stable code, e.g. transition_not_allowed"})
    params = fields.Dict(metadata={"description": "the error's parameters (codes, not labels)"})
    status = fields.String(metadata={"description": "the issue's status, on a 409 from the lifecycle"})
    version = fields.Integer(metadata={"description": "the current version, on a 412"})


class RectifyApi(Api):
    """flask-smorest's Api with our one error shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return errors.http_error(error)


#: The answers any operation with a body may give besides its own (web/edge.py):
#: 400 json_too_deep, 408 the body did not arrive in time, 413 over a limit,
#: 415 not the body's type, 422 invalid input (an unknown field among it).
BODY_ANSWERS = (400, 408, 413, 415, 422)


class BodyAnswers(BasePlugin):
    """Declares :data:`BODY_ANSWERS` on every operation that takes a body, as
    flask-smorest's responses for those statuses (the error schema)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            if isinstance(operation, dict) and "requestBody" in operation:
                responses = operation.setdefault("responses", {})
                for status in BODY_ANSWERS:
                    responses.setdefault(str(status), HTTPStatus(status).name)


class BodyParser(FlaskParser):
    """Bodies go through the edge first (415, 413, 400: ``web/edge.py``); a
    body that is not valid JSON is invalid input (422), as in
    :func:`json_body` (webargs would answer 400)."""

    def _raw_load_json(self, req: Any) -> Any:
        edge.json_bytes()
        return super()._raw_load_json(req)

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise InvalidInput("the body is not valid JSON", "json", code="invalid_json") from error


class RectifyBlueprint(Blueprint):
    ARGUMENTS_PARSER = BodyParser()


def protected_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    blp = RectifyBlueprint(name, import_name, url_prefix=url_prefix, description=description)
    blp.before_request(authenticate)
    return blp


#: ASCII digits only (``\d`` would take "١", which int() reads as 1), at
#: most 18: never a number int() refuses.
_VERSION = re.compile(r'^\s*(?:W/)?"?([0-9]{1,18})"?\s*$', re.ASCII)


def if_match() -> int | None:
    """The version a command expects, from ``If-Match: "<version>"``."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    found = _VERSION.match(raw)
    # A version we cannot read can never be the current one: -1 fails the check
    # (412, with the current version in the answer).
    return int(found.group(1)) if found else -1


def json_body(schema: Schema) -> dict[str, Any]:
    """Parses and validates the JSON body (the edge's 415, 413 and 400, then
    422 with field messages)."""
    raw = edge.json_bytes()
    payload = request.get_json(silent=True) if raw.strip() else {}
    if payload is None:
        raise InvalidInput("the body is not valid JSON", "json", code="invalid_json")
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", "json", code="json_not_object")
    loaded: dict[str, Any] = schema.load(payload)
    return loaded


def issue_command(
    ref: str,
    action: Action,
    schema: Schema | None,
    run: Callable[[Actor, str, int | None, dict[str, Any]], T],
) -> T:
    """404, 403 and 412 before the body is read, then 422 and 409 (CONTRACT.md order)."""
    actor = current_actor()
    expected = if_match()
    app = services().app
    with app.checked_command(actor, ref, action, expected):
        data = json_body(schema) if schema is not None else {}
        return run(actor, ref, expected, data)


def body_doc(schema: type[Schema] | Schema, content_type: str = "application/json") -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a body the view parses itself."""
    return {"requestBody": {"required": True, "content": {content_type: {"schema": schema}}}}


def issue_ref(value: str) -> str:
    """An issue id or code from the URL (no other shape reaches the services)."""
    try:
        return str(ascii_uuid(value))
    except ValueError:
        return value


def checked_first(check: Callable[..., None]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Runs a service check, ``check(actor, **path arguments)``, before
    flask-smorest reads the body: as the outermost decorator it keeps the
    contract's order (404 and 403 before 422). The decision is the service's."""

    def decorate(view: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            check(current_actor(), **kwargs)
            return view(*args, **kwargs)

        return wrapper

    return decorate
