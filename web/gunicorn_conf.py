"""gunicorn's settings for rectify in production (README, docker-compose.yml):

    gunicorn -c python:web.gunicorn_conf --bind 0.0.0.0:8000 web.wsgi:app

Meant to face clients directly, without a buffering proxy (offices often run
it so; nginx in front stays optional and welcome). docs/reliability.md, "HTTP
edge", lists what it withstands and the tests that show it. Any setting given
on the command line (or in ``GUNICORN_CMD_ARGS``) overrides the one here.
"""

from __future__ import annotations

#: gthread (``web/gunicorn_worker.py``): each worker serves ``threads``
#: requests at once, so a few slow clients hold a few threads and nobody
#: else waits. (The sync worker waits for each client in turn: two clients
#: that send headers and then stall froze both workers.) It also answers
#: gunicorn's own errors in the API's JSON shape.
worker_class = "web.gunicorn_worker.RectifyWorker"
workers = 2
threads = 8
#: Connections a worker keeps open at once (served or kept alive).
worker_connections = 1000

#: A client silent for this long while its request or our answer is under
#: way is dropped (and a worker whose main loop stalls this long restarts).
timeout = 30
#: On a restart or stop, requests under way get this long to finish.
graceful_timeout = 30
#: An idle kept-alive connection is closed after this long.
keepalive = 5

#: gunicorn's own limits (its defaults), answered in JSON: a request line
#: longer than this is 414, more or larger headers 431.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

#: No runtime control socket (gunicorn 25+ opens one in the user's home,
#: shared by every gunicorn the user runs on the machine; older versions
#: ignore this name).
control_socket_disable = True
