"""The rectify application: its methods are the command handlers.

The concerns live in their own modules and are stacked here:
``store`` (load, save, unit of work) <- ``org`` (units, campaigns) <-
``issues`` (the problem lifecycle) <- ``deadlines`` (the deadline job), beside
``accounts`` <- ``tokens`` (users, signing in, API tokens).
"""

from __future__ import annotations

from services.deadlines import DeadlineCommands
from services.evidence import EvidenceCommands
from services.tokens import TokenCommands


class Rectify(DeadlineCommands, EvidenceCommands, TokenCommands):
    name = "Rectify"
