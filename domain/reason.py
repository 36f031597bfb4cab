"""Why an administrative change was made: free text, kept on its event."""

from __future__ import annotations

from domain.text import clean_text

MAX_REASON = 5000


def check_reason(reason: str | None) -> str:
    """Optional; storable, NFC, at most :data:`MAX_REASON` characters (``domain/text.py``)."""
    return clean_text(reason, "reason", limit=MAX_REASON, required=False)
