"""The services of the running app (built by the composition root)."""

from __future__ import annotations

from flask import current_app

from services.bootstrap import Services


def services() -> Services:
    found: Services = current_app.extensions["rectify"]
    return found
