"""Who did something: every event records its actor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    CLERK = "clerk"
    HANDLER = "handler"
    REVIEWER = "reviewer"
    LEADER = "leader"
    # The deadline job and the command line act as the system.
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The acting user, as recorded in events (a plain dict when stored)."""

    user_id: str
    username: str
    role: Role
    unit: str

    def as_record(self) -> dict[str, str]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "role": str(self.role),
            "unit": self.unit,
        }

    @classmethod
    def from_record(cls, record: dict[str, str]) -> Actor:
        return cls(record["user_id"], record["username"], Role(record["role"]), record["unit"])


def system_actor(unit: str = "") -> Actor:
    """The actor of the command line and of scheduled jobs."""
    return Actor(user_id="", username="system", role=Role.SYSTEM, unit=unit)
