"""The rectify application: its methods are the command handlers.

The concerns live in their own modules and are stacked here:
``store`` (load, save, unit of work) <- ``org`` (units, campaigns) <-
``issues`` (the problem lifecycle) <- ``deadlines`` (the deadline job), beside
``accounts`` (users, signing in).
"""

from __future__ import annotations

from services.accounts import AccountCommands
from services.deadlines import DeadlineCommands


class Rectify(DeadlineCommands, AccountCommands):
    name = "Rectify"
