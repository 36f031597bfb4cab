"""What the HTTP tests send and how they read an error answer."""

from __future__ import annotations

import io
from typing import Any

#: A 1x1 PNG and a minimal PDF: real content of allowed types.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def issue_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /api/v1/issues`` body for the small city."""
    body: dict[str, Any] = {
        "campaign": "YC2023",
        "title": "危房改造未完成",
        "description": "排查发现该户住房安全等级为C级，未纳入改造。",
        "source": "flying",
        "aspect": "A01",
        "category": "A01C02",
        "severity": "serious",
        "key": False,
        "unit": "C01T1V1",
    }
    body.update(overrides)
    return body


def multipart(*files: tuple[bytes, str], note: str | None = None) -> dict[str, Any]:
    """A multipart evidence upload: one ``file`` part per file."""
    data: dict[str, Any] = {"file": [(io.BytesIO(content), name) for content, name in files]}
    if note is not None:
        data["note"] = note
    return data


def if_match(headers: dict[str, str], version: int | str) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


def error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """Asserts an error answer in the contract's shape and returns its body.

    ``fields`` must each have a non-empty list of messages under ``errors``."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == "application/json", text
    body = response.get_json()
    assert isinstance(body, dict), text
    assert body["code"] == status, text
    assert isinstance(body["message"], str) and body["message"], text
    assert isinstance(body["errors"], dict), text
    for field in fields:
        messages = body["errors"].get(field)
        assert isinstance(messages, list) and messages, f"no messages for {field!r}: {text}"
        assert all(isinstance(m, str) and m for m in messages), text
    if status == 401:
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    return body
