"""Real web processes for the race, crash and outage tests: gunicorn (or
``rectify serve``) on a free loopback port, against one database, killed with
any signal; and a small HTTP client with one connection per thread."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.actor import system_actor
from services.bootstrap import Services, build
from services.settings import Settings
from tests.support import City, small_city

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_") and not k.startswith("PYTEST")}
    env.update(
        RECTIFY_DATABASE_URL=database_url,
        RECTIFY_DATA_DIR=str(data_dir),
        RECTIFY_SECRET_KEY="test-secret-key-" + "x" * 48,
        **extra,
    )
    return env


@dataclass
class WebProcess:
    """One server (its whole process group), on ``port``."""

    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout_s: float = 60) -> WebProcess:
        args = [a.replace("{port}", str(self.port)) for a in self.command]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{args[0]} exited {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            with suppress(OSError, http.client.HTTPException):
                status, _, _ = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"{args[0]} did not answer within {timeout_s} s: {self.log.read_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Sends ``sig`` to the server's whole process group (master and workers)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def gunicorn(env: dict[str, str], log: Path, *, workers: int = 1, threads: int = 4) -> WebProcess:
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        "127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "web.wsgi:app",
    ]
    return WebProcess(command, env, log)


def rectify_serve(env: dict[str, str], log: Path) -> WebProcess:
    return WebProcess([str(BIN / "rectify"), "serve", "--host", "127.0.0.1", "--port", "{port}"], env, log)


@contextmanager
def running(*servers: WebProcess) -> Iterator[list[WebProcess]]:
    """Starts the servers one after another (gunicorn workers building the
    app side by side is fine; the database's schema exists already) and
    stops whatever still runs at the end."""
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.start()
        yield list(servers)


def request(
    port: int,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 30,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request; ``(status, headers, JSON body or None)``. With ``conn``,
    on that connection (kept open by the caller)."""
    own = conn is None
    connection = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})} if payload else dict(headers or {})
        connection.request(method, path, body=payload, headers=sent)
        answer = connection.getresponse()
        raw = answer.read()
        answer_headers = {k.lower(): v for k, v in answer.getheaders()}
        data: Any = None
        if raw and answer_headers.get("content-type", "").startswith("application/json"):
            data = json.loads(raw)
        return answer.status, answer_headers, data
    finally:
        if own:
            connection.close()


class Client:
    """One thread's connection to one server. ``resend``: a request on a
    kept-alive connection the server had closed is sent again on a new one
    (only where no server dies: a killed server may have done it)."""

    def __init__(self, port: int, token: str, *, timeout: float = 30, resend: bool = True) -> None:
        self.port = port
        self.resend = resend
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        if_match: int | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        headers = dict(self.headers)
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                return request(self.port, method, path, body, headers, conn=self.conn)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed before this request
                # was read: nothing was done, send it again on a new one.
                self.close()
                if attempt or not self.resend:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


USERS = ("admin", "inspector", "handler", "leader", "reviewer", "city-reviewer")


@dataclass
class Web:
    """The small city (tests.support.small_city) served by real processes;
    ``services`` is the test's own view of the same database."""

    services: Services
    city: City
    servers: list[WebProcess]
    tokens: dict[str, str]
    env: dict[str, str]

    def client(self, i: int, username: str, *, resend: bool = True) -> Client:
        return Client(self.servers[i % len(self.servers)].port, self.tokens[username], resend=resend)


@contextmanager
def serving_small_city(settings: Settings, tmp_path: Path, *, servers: int = 3) -> Iterator[Web]:
    """The small city on ``settings``' database, with API tokens for
    :data:`USERS`, served by ``servers`` gunicorn processes."""
    s = build(settings)
    s.init()
    try:
        city = small_city(s)
        tokens = {u: s.app.issue_token(system_actor(), u).token for u in USERS}
        env = server_env(settings.database_url, settings.data_dir)
        processes = [gunicorn(env, tmp_path / f"gunicorn-{n}.log") for n in range(servers)]
        with running(*processes):
            yield Web(s, city, processes, tokens, env)
    finally:
        s.close()
