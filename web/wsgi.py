"""The WSGI application for production servers: ``gunicorn web.wsgi:app``.

Configured from the environment like everything else (CONTRACT.md). The app
is built when the server first asks for ``app``, not when this module is
imported, so importing it connects to nothing.
"""

from __future__ import annotations

from typing import Any

_app: Any = None


def __getattr__(name: str) -> Any:
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        from web.app import create_app

        _app = create_app()
    return _app
