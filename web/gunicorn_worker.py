"""gunicorn's threaded worker with two changes for rectify (``web/gunicorn_conf.py``
names it; docs/reliability.md, "HTTP edge"):

- gunicorn answers some requests itself, before the app sees them (a request
  line longer than ``limit_request_line``: 414; a malformed request line or
  header: 400; too many or too large headers: 431). Its page is HTML; here it
  is the API's JSON error shape ``{"code", "message", "errors", "reason",
  "params"}``. gunicorn has no hook for it: every worker writes these
  answers with ``gunicorn.util.write_error(sock, status, reason, message)``,
  which this worker replaces with :func:`write_json_error` in its process.
- A client that sends nothing for ``timeout`` seconds (gunicorn's
  ``--timeout``; in a threaded worker it otherwise only bounds the worker's
  main loop) while its request's headers or body are due, or that stops
  reading its answer, is dropped: each connection's socket times out
  instead of blocking a thread for as long as the client keeps it open.
  gthread itself frees a thread only from a connection that sends nothing
  at all for 5 s.
- A worker whose threads are all busy stops accepting connections (gthread
  would queue them behind its stalled threads), so the other worker serves
  them.
"""

from __future__ import annotations

import errno
import json
import socket
from typing import Any

from gunicorn import util
from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import ThreadWorker

from web.i18n.messages import STATUS_CODES

#: Longest part of gunicorn's own message kept (it may quote the request line).
MESSAGE_CHARS = 300


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error answer, in the API's error shape (always English: the
    request's headers, Accept-Language among them, were not read)."""
    message = f"{reason}: {mesg}" if mesg else reason
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS] + "…"
    body = json.dumps(
        {
            "code": status_int,
            "message": message,
            "errors": {},
            "reason": STATUS_CODES.get(status_int, "bad_request"),
            "params": {},
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class PatientSocket(socket.socket):
    """A client connection that waits at most ``io_timeout`` seconds for the
    client whenever gunicorn makes it blocking. A timed-out read says the
    client is gone (``NoMoreData``: gunicorn closes the connection, werkzeug
    ends the body there), a timed-out write that it stopped reading
    (``EPIPE``)."""

    io_timeout: float = 30.0

    @classmethod
    def adopt(cls, sock: socket.socket, io_timeout: float) -> PatientSocket:
        patient = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        patient.io_timeout = io_timeout
        patient.setblocking(False)  # as gthread keeps a connection it is not serving
        return patient

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.io_timeout)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            raise NoMoreData(f"(the client sent nothing for {self.io_timeout:g} s)") from None

    def sendall(self, data: Any, flags: int = 0) -> None:
        try:
            super().sendall(data, flags)
        except TimeoutError:
            raise BrokenPipeError(errno.EPIPE, "the client stopped reading") from None

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        try:
            return super().sendfile(file, offset, count)
        except TimeoutError:
            raise BrokenPipeError(errno.EPIPE, "the client stopped reading") from None


class RectifyWorker(ThreadWorker):
    """``-k gthread`` with JSON error answers, patient (not endless) sockets,
    and no accepting while every thread is busy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Connections handed to the thread pool and not finished (main thread only).
        self.busy = 0

    def init_process(self) -> None:
        util.write_error = write_json_error
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        if not isinstance(conn.sock, PatientSocket) and not conn.initialized:
            conn.sock = PatientSocket.adopt(conn.sock, float(self.cfg.timeout))
        self.busy += 1
        super().enqueue_req(conn)
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Any) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled: bool) -> None:
        """gthread accepts whenever it has room for a connection, and queues it
        behind its threads; with all of them held by slow clients, a new client
        would wait for them. Here a worker whose threads are all busy stops
        accepting until one is free (gthread's main loop asks again at least
        every second), so the other worker, or the listen queue, takes the
        client."""
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)
