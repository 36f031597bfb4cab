"""gunicorn configuration for the side-by-side run of ``services/compat.py``:
rectify built without Python 3.11's protocol-members cache.

``python -m benchmarks.http_api --no-protocol-cache`` passes it to the rectify
server (``GUNICORN_CMD_ARGS=-c benchmarks/no_protocol_cache.py``). gunicorn
runs this file in its master before the workers fork and build the app, so
the composition root finds the cache switched off.
"""

import services.bootstrap

services.bootstrap.cache_protocol_members = lambda: False  # type: ignore[assignment]


def post_worker_init(worker: object) -> None:
    """Says in the server's log that the worker's app runs without the cache."""
    import typing

    cached = getattr(getattr(typing, "_get_protocol_attrs", None), "rectify_cached", False)
    worker.log.warning("protocol-members cache in this worker: %s", "on" if cached else "off")  # type: ignore[attr-defined]
