"""The ``as_of`` query parameter of every API read (CONTRACT.md): an ISO 8601
instant with an offset, or a date alone, the end of that day in
RECTIFY_TIMEZONE."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields

from services.instants import parse_as_of
from web.context import services

INVALID = (
    "Not a valid instant: ISO 8601 with an offset, or a date alone (YYYY-MM-DD), "
    "from 0001-01-02 to 9998-12-31 (UTC)."
)


class AsOf(fields.Field[datetime]):
    """An instant (``2026-12-02T10:00:00+08:00``) or a date (``2026-12-02``)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "description": "ISO 8601 instant with offset, or a date alone: the end of that day "
            "in RECTIFY_TIMEZONE; events recorded at exactly that instant are included",
            "example": "2026-12-02T18:00:00+08:00",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(INVALID)
        try:
            return parse_as_of(value, services().settings.tz)
        except ValueError:
            raise ValidationError(INVALID) from None
