"""The rectify application: its methods are the command handlers.

The concerns live in their own modules and are stacked here:
``store`` (load, save, unit of work) <- ``org`` (units, campaigns) <-
``issues`` (the problem lifecycle) <- ``deadlines`` (the deadline job), beside
``accounts`` <- ``tokens`` (users, signing in, API tokens).

Its adapters are constructed by the composition root (``bootstrap.build``)
and passed in here; nothing is set on the application after it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from eventsourcing.utils import EnvType

from domain.clock import Clock
from domain.deadlines import Policy
from services.deadlines import DeadlineCommands
from services.evidence import EvidenceCommands
from services.files import FileStore
from services.retry_gate import RetryGate
from services.tokens import TokenCommands

if TYPE_CHECKING:
    from services.user_watch import UserWatch

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class Rectify(DeadlineCommands, EvidenceCommands, TokenCommands):
    name = "Rectify"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        tz: ZoneInfo | None = None,
        clock: Clock | None = None,
        files: FileStore,
        policy: Policy | None = None,
        user_watch: UserWatch | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        retry_gate: RetryGate | None = None,
    ) -> None:
        super().__init__(env, tz=tz, clock=clock, retry_gate=retry_gate)
        self.files = files
        self.deadline_policy = policy or Policy()
        # On PostgreSQL: which users are known unchanged (services/user_watch.py).
        self.user_watch = user_watch
        self.max_upload_bytes = max_upload_bytes
