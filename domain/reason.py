"""Why an administrative change was made: free text, kept on its event."""

from __future__ import annotations

from domain.errors import InvalidInput

MAX_REASON = 5000


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"reason has at most {MAX_REASON} characters",
            "reason",
            code="too_long",
            params={"limit": MAX_REASON},
        )
    return reason
