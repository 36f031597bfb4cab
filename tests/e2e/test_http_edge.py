"""The HTTP edge (docs/reliability.md, "HTTP edge"): what a request must be
before the API reads it, and what every answer carries. On the Flask test
client; ``tests/e2e/test_gunicorn.py`` checks the same under a real gunicorn."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.bootstrap import Services
from services.settings import Settings
from tests.e2e.samples import PNG, error, if_match, issue_body
from tests.support import City, in_days, report, small_city
from web.app import create_app
from web.i18n.messages import MESSAGES

Auth = Callable[[str], dict[str, str]]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def services(sqlite_services: Services) -> Services:
    """The edge does not depend on the database: SQLite alone."""
    return sqlite_services


@pytest.fixture
def city(services: Services) -> City:
    return small_city(services)


@pytest.fixture
def issue(services: Services, city: City) -> str:
    found = report(services, city)
    services.app.assign(city.admin, found, lead="D01", co=["C01"], deadline=in_days(10))
    return found


def nested(depth: int, inner: str = "1") -> str:
    """A JSON object whose ``text`` holds ``depth - 1`` nested lists."""
    return '{"text": ' + "[" * (depth - 1) + inner + "]" * (depth - 1) + "}"


# -- 1. nesting ------------------------------------------------------------------------------------
DEEP_BODIES = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "[" * 100_000,  # never closed
    "[{" * 40 + "}]" * 40,
    nested(33),
]


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["lists", "objects", "unclosed", "mixed", "33"])
def test_json_nested_too_deep_is_400_where_input_errors_come(
    client: FlaskClient, token_for: Auth, city: City, issue: str, body: str
) -> None:
    admin = token_for("admin")
    for path, headers in [
        ("/api/v1/tokens", {}),
        ("/api/v1/issues", admin),
        ("/api/v1/units", admin),
        (f"/api/v1/issues/{issue}/comment", admin),
        (f"/api/v1/issues/{issue}/verify", token_for("city-reviewer")),
        (f"/api/v1/issues/{issue}/reject", admin),
    ]:
        answer = client.post(path, data=body, content_type="application/json", headers=headers)
        assert error(answer, 400)["reason"] == "json_too_deep", (path, headers)
    answer = client.patch("/api/v1/users/clerk", data=body, content_type="application/json", headers=admin)
    assert error(answer, 400)["reason"] == "json_too_deep"
    # In the contract's order: 401, 404, 403, 412 come first.
    post = functools.partial(client.post, data=body, content_type="application/json")
    error(post("/api/v1/issues"), 401)
    error(post("/api/v1/issues/YC2023-0404/comment", headers=admin), 404)
    error(post(f"/api/v1/issues/{issue}/progress", headers=token_for("leader")), 403)
    error(post(f"/api/v1/issues/{issue}/comment", headers=if_match(admin, 1)), 412)
    error(post("/api/v1/issues", headers=token_for("handler")), 403)


def test_json_nested_32_deep_is_read(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/comment"
    # 32 levels reach the schema (which wants a string): 422 on the field.
    answer = client.post(url, data=nested(32), content_type="application/json", headers=token_for("admin"))
    error(answer, 422, "text")
    # Brackets inside strings are text, however many.
    text = '{"text": "' + "[{" * 2000 + '\\"]}' + '"}'
    answer = client.post(url, data=text, content_type="application/json", headers=token_for("admin"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    # A malformed body that is not deep stays the invalid JSON it is (422).
    answer = client.post(url, data='{"text": [}', content_type="application/json", headers=token_for("admin"))
    assert error(answer, 422)["reason"] == "invalid_json"


# -- 3. loose input: unknown fields, other content types ---------------------------------------------
def test_an_unknown_json_field_is_422_naming_it(
    client: FlaskClient, token_for: Auth, city: City, issue: str
) -> None:
    admin = token_for("admin")
    bodies = [
        ("/api/v1/tokens", {}, {"username": "admin", "password": "x" * 10, "remember": True}, "remember"),
        ("/api/v1/issues", admin, {**issue_body(), "colour": "red"}, "colour"),
        ("/api/v1/units", admin, {"code": "X1", "name": "x", "kind": "village", "parent": "C", "n": 1}, "n"),
        (f"/api/v1/issues/{issue}/comment", admin, {"text": "好", "txet": "好"}, "txet"),
        (f"/api/v1/issues/{issue}/verify", token_for("reviewer"), {"passed": True, "by": "me"}, "by"),
    ]
    for path, headers, body, field in bodies:
        answer = client.post(path, json=body, headers=headers)
        assert error(answer, 422, field)["errors"][field] == ["Unknown field."], path
    # Inside nested objects too, where the field is.
    campaign = {
        "code": "YC2024",
        "name": "新行动",
        "deadline": "2024-12-31",
        "aspects": [{"code": "A", "name": "方面", "categories": [{"code": "C", "name": "类", "x": 1}]}],
    }
    answer = error(client.post("/api/v1/campaigns", json=campaign, headers=admin), 422)
    assert answer["errors"]["aspects"] == {"0": {"categories": {"0": {"x": ["Unknown field."]}}}}
    # Chinese for a Chinese caller.
    zh = {**admin, "Accept-Language": "zh"}
    answer = client.post(f"/api/v1/issues/{issue}/comment", json={"text": "好", "a": 1}, headers=zh)
    assert error(answer, 422, "a")["errors"]["a"] == ["未知字段"]
    # Unknown query parameters are still ignored (links carry such).
    assert client.get("/api/v1/issues?utm_source=mail", headers=admin).status_code == 200


NOT_JSON = [
    ("text/plain", b'{"text": "hello"}'),
    ("application/x-www-form-urlencoded", b"text=hello"),
    (
        "multipart/form-data; boundary=x",
        b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nhi\r\n--x--\r\n",
    ),
    ("text/xml", b"<text>hello</text>"),
    (None, b'{"text": "hello"}'),
]


@pytest.mark.parametrize("content_type,body", NOT_JSON, ids=[str(c).split(";")[0] for c, _ in NOT_JSON])
def test_a_body_that_is_not_json_is_415(
    client: FlaskClient, token_for: Auth, city: City, issue: str, content_type: str | None, body: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    for path, auth in [
        ("/api/v1/tokens", {}),
        ("/api/v1/issues", token_for("admin")),
        (f"/api/v1/issues/{issue}/comment", token_for("admin")),
        (f"/api/v1/issues/{issue}/verify", token_for("city-reviewer")),
        ("/api/v1/units", token_for("admin")),
    ]:
        answer = client.post(path, data=body, headers={**headers, **auth})
        assert error(answer, 415)["reason"] == "unsupported_media_type", path
    answer = client.patch("/api/v1/users/clerk", data=body, headers={**headers, **token_for("admin")})
    error(answer, 415)
    # After 401, 404 and 403, like any input error.
    error(client.post("/api/v1/issues", data=body, headers=headers), 401)
    error(
        client.post(
            "/api/v1/issues/YC2023-0404/comment", data=body, headers={**headers, **token_for("admin")}
        ),
        404,
    )
    error(
        client.post(
            f"/api/v1/issues/{issue}/progress", data=body, headers={**headers, **token_for("leader")}
        ),
        403,
    )


def test_json_media_types_and_empty_bodies_pass(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/comment"
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        answer = client.post(
            url, data=b'{"text": "ok"}', content_type=content_type, headers=token_for("admin")
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
    # No body at all is no content type to refuse: the fields are missing (422).
    error(client.post(url, content_type="text/plain", headers=token_for("admin")), 422, "text")


def test_the_upload_takes_multipart_only(client: FlaskClient, token_for: Auth, issue: str) -> None:
    url = f"/api/v1/issues/{issue}/evidence"
    handler = token_for("handler")
    error(client.post(url, json={"note": "not multipart"}, headers=handler), 415)
    # After the checks that come before reading the body.
    error(client.post(url, json={"note": "not multipart"}, headers=token_for("leader")), 403)
    error(client.post(url, json={"note": "not multipart"}, headers=if_match(handler, 1)), 412)
    error(client.post(url, data=b"x", content_type="image/png", headers=handler), 415)
    # An empty body is no file (422), as before.
    error(client.post(url, headers=handler), 422, "file")


# -- 2. body limits ------------------------------------------------------------------------------------
MB = 1024 * 1024


class Body(io.RawIOBase):
    """A request body made as it is read (``head``, ``size`` zero bytes,
    ``tail``), counting how much of it the server read."""

    def __init__(self, head: bytes, size: int, tail: bytes = b"") -> None:
        self.head, self.size, self.tail = head, size, tail
        self.pos = 0
        self.sent = 0

    @property
    def length(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.length + offset}[whence]
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = min(len(view), self.length - self.pos)
        filler = len(self.head) + self.size
        for i in range(self.pos, self.pos + n, 65536):
            j = min(i + 65536, self.pos + n)
            if j <= len(self.head):
                part = self.head[i:j]
            elif i >= filler:
                part = self.tail[i - filler : j - filler]
            else:
                part = (
                    self.head[i:]
                    + b"\x00" * (min(j, filler) - max(i, len(self.head)))
                    + self.tail[: max(0, j - filler)]
                )
            view[i - self.pos : j - self.pos] = part
        self.pos += n
        self.sent += n
        return n


def chunked(stream: Body) -> dict[str, Any]:
    """A body sent in chunks, without a length, as gunicorn passes it on."""
    return {
        "input_stream": stream,
        "environ_overrides": {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"},
    }


def test_a_json_body_over_1_mb_is_refused_without_reading_it(
    client: FlaskClient, token_for: Auth, issue: str
) -> None:
    def post(path: str, headers: dict[str, str], stream: Body, **kw: Any) -> Any:
        return client.post(path, content_type="application/json", headers=headers, input_stream=stream, **kw)

    # A declared 100 MB: refused before a byte is read, without a token too.
    for path, headers, status in [
        ("/api/v1/tokens", {}, 413),
        ("/api/v1/issues", {}, 401),
        ("/api/v1/issues", token_for("admin"), 413),
        (f"/api/v1/issues/{issue}/comment", token_for("admin"), 413),
    ]:
        body = Body(b'{"text": "', 100 * MB)
        answer = post(path, headers, body)
        assert error(answer, status)["reason"] == ("body_too_large" if status == 413 else "token_required")
        assert body.sent == 0, path
    assert "1 MB" in error(post("/api/v1/tokens", {}, Body(b"", 2 * MB)), 413)["message"]
    # Sent in chunks: refused once past the limit, the rest never read.
    body = Body(b'{"text": "', 100 * MB)
    answer = client.post("/api/v1/tokens", content_type="application/json", **chunked(body))
    assert error(answer, 413)["reason"] == "body_too_large"
    assert body.sent <= 1 * MB + 64 * 1024
    # Up to the limit, the body is read (and the schema finds the text too long).
    text = '{"text": "' + "x" * (MB - 20) + '"}'
    answer = client.post(
        f"/api/v1/issues/{issue}/comment",
        data=text,
        content_type="application/json",
        headers=token_for("admin"),
    )
    error(answer, 422, "text")


def test_the_json_limit_is_a_setting(services: Services, city: City, token_for: Auth, issue: str) -> None:
    assert Settings.from_env({"RECTIFY_MAX_JSON_BYTES": "2048"}).max_json_bytes == 2048
    assert Settings.from_env({}).max_json_bytes == MB
    app = create_app(replace(services.settings, max_json_bytes=2048), services=services)
    client = app.test_client()
    url = f"/api/v1/issues/{issue}/comment"
    error(client.post(url, json={"text": "x" * 3000}, headers=token_for("admin")), 413)
    assert client.post(url, json={"text": "x" * 1000}, headers=token_for("admin")).status_code == 200


def multipart_head(name: str = "big.png", note: str | None = None) -> bytes:
    head = b""
    if note is not None:
        head += b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + note.encode() + b"\r\n"
    head += (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + name.encode() + b'"\r\n'
        b"Content-Type: image/png\r\n\r\n" + PNG
    )
    return head


def test_an_upload_is_refused_as_soon_as_it_passes_the_limit(
    services: Services, client: FlaskClient, token_for: Auth, issue: str
) -> None:
    services.app.max_upload_bytes = 64 * 1024  # each file; a request carries at most 10 and a form
    url = f"/api/v1/issues/{issue}/evidence"
    handler = token_for("handler")
    multipart = "multipart/form-data; boundary=b"

    # Declared larger than 10 files and the form: 413 before a byte is read.
    body = Body(multipart_head(), 100 * MB, b"\r\n--b--\r\n")
    answer = client.post(
        url, content_type=multipart, headers=handler, input_stream=body, content_length=body.length
    )
    assert error(answer, 413)["reason"] == "body_too_large"
    assert body.sent == 0
    # A declared length within it, but one file over the limit: refused while it streams.
    body = Body(multipart_head(), 1 * MB, b"\r\n--b--\r\n")
    answer = client.post(
        url, content_type=multipart, headers=handler, input_stream=body, content_length=body.length
    )
    refused = error(answer, 413)
    assert refused["reason"] == "file_too_large" and refused["params"]["name"] == "big.png"
    assert body.sent <= 64 * 1024 + 2 * 64 * 1024
    # Chunked, with no length at all: the same.
    body = Body(multipart_head(), 100 * MB, b"\r\n--b--\r\n")
    answer = client.post(url, content_type=multipart, headers=handler, **chunked(body))
    assert error(answer, 413)["reason"] == "file_too_large"
    assert body.sent <= 64 * 1024 + 2 * 64 * 1024
    # Files within the limit are stored; nothing of the refused ones was.
    body = Body(multipart_head("ok.png", note="现场"), 60 * 1024, b"\r\n--b--\r\n")
    answer = client.post(
        url, content_type=multipart, headers=handler, input_stream=body, content_length=body.length
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    detail = client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")).get_json()
    assert [e["name"] for e in detail["evidence"]] == ["ok.png"]
    assert detail["evidence"][0]["size"] == len(PNG) + 60 * 1024
    # Too many parts, or too large a field, whatever the length.
    parts = b"".join(multipart_head(f"{n}.png")[4:] + b"\r\n--b" for n in range(30))
    answer = client.post(
        url, content_type=multipart, headers=handler, input_stream=io.BytesIO(b"--b\r\n" + parts + b"--\r\n")
    )
    assert error(answer, 413)["reason"] == "upload_too_large"
    body = Body(multipart_head(note="注" * 30_000), 10)
    answer = client.post(url, content_type=multipart, headers=handler, input_stream=body)
    assert error(answer, 413)["reason"] == "upload_too_large"
    # Before a byte of the body is read: 401, 404, 403, 412.
    for headers, status in [({}, 401), (token_for("leader"), 403), (if_match(handler, 1), 412)]:
        body = Body(multipart_head(), 100 * MB)
        answer = client.post(
            url, content_type=multipart, headers=headers, input_stream=body, content_length=body.length
        )
        error(answer, status)
        assert body.sent == 0


def test_an_upload_streams_to_disk_and_is_never_held_in_memory(
    services: Services, client: FlaskClient, token_for: Auth, issue: str
) -> None:
    size = 8 * MB
    body = Body(multipart_head("大.png"), size, b"\r\n--b--\r\n")
    content = PNG + b"\x00" * size
    tracemalloc.start()
    try:
        answer = client.post(
            f"/api/v1/issues/{issue}/evidence",
            content_type="multipart/form-data; boundary=b",
            headers=token_for("handler"),
            input_stream=body,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 201, answer.get_data(as_text=True)
    stored = answer.get_json()["evidence"][0]
    assert stored["size"] == len(content)
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert peak < 3 * MB, f"{peak / MB:.1f} MB held for an upload of {size / MB:.0f} MB"
    download = client.get(f"/api/v1/issues/{issue}/evidence/{stored['id']}", headers=token_for("admin"))
    assert hashlib.sha256(download.get_data()).hexdigest() == stored["sha256"]
    download.close()
    # The same content again is stored once; no temporary file is left behind.
    again = client.post(
        f"/api/v1/issues/{issue}/evidence",
        content_type="multipart/form-data; boundary=b",
        headers=token_for("handler"),
        input_stream=Body(multipart_head("again.png"), size, b"\r\n--b--\r\n"),
    )
    assert again.get_json()["evidence"][0]["sha256"] == stored["sha256"]
    kept = [p for p in services.app.files.root.rglob("*") if p.is_file()]
    assert [p.name for p in kept] == [stored["sha256"]]


# -- 4. no internal storage keys ------------------------------------------------------------------------
def test_evidence_shows_no_storage_key(
    services: Services, city: City, client: FlaskClient, token_for: Auth, issue: str
) -> None:
    fresh = report(services, city, title="另一个问题")
    for ref, who in ((issue, "handler"), (fresh, "inspector")):  # rectification, discovery evidence
        answer = client.post(
            f"/api/v1/issues/{ref}/evidence",
            data={"file": [(io.BytesIO(PNG), "现场.png")], "note": "照片"},
            content_type="multipart/form-data",
            headers=token_for(who),
        )
        assert answer.status_code == 201, answer.get_data(as_text=True)
        assert "storage_key" not in answer.get_data(as_text=True)
    for ref in (issue, fresh):
        detail = client.get(f"/api/v1/issues/{ref}", headers=token_for("admin"))
        files = detail.get_json()["evidence"] + detail.get_json()["discovery_evidence"]
        assert [set(f) for f in files] == [{"id", "name", "size", "sha256", "content_type"}]
        history = client.get(f"/api/v1/issues/{ref}/history", headers=token_for("admin"))
        attached = [e for e in history.get_json() if "files" in e["data"]]
        assert [set(f) for f in attached[0]["data"]["files"]] == [
            {"id", "name", "size", "sha256", "content_type"}
        ]
        assert "storage_key" not in history.get_data(as_text=True)
        page = client.get("/api/v1/issues", headers=token_for("admin"))
        assert "storage_key" not in page.get_data(as_text=True)
    spec = client.get("/api/openapi.json").get_data(as_text=True)
    assert "storage_key" not in spec
    assert '"EvidenceOut"' in spec


# -- 5. nosniff; 6. Allow ---------------------------------------------------------------------------------
def test_every_answer_says_nosniff(
    app: Flask, services: Services, city: City, token_for: Auth, issue: str
) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    client = app.test_client()
    uploaded = client.post(
        f"/api/v1/issues/{issue}/evidence",
        data={"file": [(io.BytesIO(PNG), "a.png")]},
        content_type="multipart/form-data",
        headers=token_for("handler"),
    )
    evidence = uploaded.get_json()["evidence"][0]["id"]
    answers = [
        uploaded,
        client.get(f"/api/v1/issues/{issue}/evidence/{evidence}", headers=token_for("admin")),
        client.get(f"/api/v1/issues/{issue}", headers=token_for("admin")),
        client.get("/api/v1/issues"),
        client.get("/api/v1/no-such-thing"),
        client.delete("/api/v1/issues"),
        client.get("/api/v1/boom", headers=token_for("admin")),
        client.get("/healthz"),
        client.get("/api/openapi.json"),
        client.get("/api/docs"),
    ]
    assert [a.status_code for a in answers] == [201, 200, 200, 401, 404, 405, 500, 200, 200, 200]
    for answer in answers:
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", answer.request.path
        answer.close()


def test_405_says_which_methods_are_allowed(client: FlaskClient, token_for: Auth, issue: str) -> None:
    for method, path, allowed in [
        ("delete", "/api/v1/issues", {"GET", "POST"}),
        ("put", f"/api/v1/issues/{issue}", {"GET"}),
        ("get", f"/api/v1/issues/{issue}/assign", {"POST"}),
        ("post", "/healthz", {"GET"}),
        ("patch", "/api/v1/tokens", {"GET", "POST"}),
    ]:
        answer = getattr(client, method)(path, headers=token_for("admin"))
        error(answer, 405)
        methods = {m.strip() for m in answer.headers.get("Allow", "").split(",")}
        assert allowed <= methods <= allowed | {"HEAD", "OPTIONS"}, (path, answer.headers.get("Allow"))


def test_the_openapi_document_declares_the_edges_answers(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    with_body = [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(with_body) > 20
    for path, method, operation in with_body:
        assert {"400", "408", "413", "415", "422"} <= set(operation["responses"]), (method, path)
        for status in ("400", "408", "413", "415", "422"):
            ref = operation["responses"][status]["$ref"]
            schema = spec["components"]["responses"][ref.rsplit("/", 1)[1]]["content"]["application/json"][
                "schema"
            ]
            assert schema == {"$ref": "#/components/schemas/Error"}
    # An unknown field is not allowed in any body (422).
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith(("In", "Patch", "Request")):
            assert schema.get("additionalProperties") is False, name


def test_every_refusal_is_said_in_both_languages(client: FlaskClient) -> None:
    source = (Path(__file__).resolve().parents[2] / "web" / "edge.py").read_text(encoding="utf-8")
    reasons = set(re.findall(r'Refused\(\s*\d+,\s*"(\w+)"', source))
    assert reasons == {
        "unsupported_media_type",
        "json_too_deep",
        "body_too_large",
        "file_too_large",
        "upload_too_large",
        "request_timeout",
    }
    for reason in reasons:
        assert reason in MESSAGES and CHINESE.search(MESSAGES[reason].of("zh")), reason
    answer = client.post(
        "/api/v1/tokens", data=b"x", content_type="text/plain", headers={"Accept-Language": "zh"}
    )
    assert CHINESE.search(error(answer, 415)["message"])
    answer = client.post(
        "/api/v1/tokens",
        input_stream=Body(b"", 2 * MB),
        content_type="application/json",
        headers={"Accept-Language": "zh"},
    )
    assert error(answer, 413)["message"] == "请求体超过1 MB"
