"""Real web processes for the race, crash and outage tests: gunicorn (or
``rectify serve``) on a free loopback port, against one database, killed with
any signal; and a small HTTP client with one connection per thread."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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
        RECTIFY_SECRET_KEY=secrets.token_hex(32),
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

    def once(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a connection of its own, closed afterwards."""
        try:
            return self.send(method, path, body)
        finally:
            self.close()


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
def serving_small_city(
    settings: Settings, tmp_path: Path, *, servers: int = 3, serve: bool = False
) -> Iterator[Web]:
    """The small city on ``settings``' database, with API tokens for
    :data:`USERS`, served by ``servers`` processes: gunicorn, and with
    ``serve`` the last one ``rectify serve`` (its background projection and
    deadline job in-process, as on the embedded default)."""
    s = build(settings)
    s.init()
    try:
        city = small_city(s)
        tokens = {u: s.app.issue_token(system_actor(), u).token for u in USERS}
        env = server_env(settings.database_url, settings.data_dir)
        processes = [gunicorn(env, tmp_path / f"gunicorn-{n}.log") for n in range(servers - serve)]
        if serve:
            processes.append(rectify_serve(env, tmp_path / "rectify-serve.log"))
        with running(*processes):
            yield Web(s, city, processes, tokens, env)
    finally:
        s.close()


PG_BIN = Path(os.environ.get("RECTIFY_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class OwnPostgres:
    """A PostgreSQL server of the test's own, on a spare port, to stop and
    start at will (``initdb``/``pg_ctl`` from :data:`PG_BIN`). PostgreSQL
    refuses to run as root: as root the server runs as the ``postgres`` user
    (``runuser``)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="rectify-own-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    @staticmethod
    def available() -> str | None:
        """Why it cannot run here, or None."""
        for tool in ("initdb", "pg_ctl"):
            if not (PG_BIN / tool).exists():
                return f"{PG_BIN / tool} not found (set RECTIFY_TEST_PG_BIN)"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "running as root without runuser"
        return None

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self._as_user, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}{log[-2000:]}")

    def init(self) -> OwnPostgres:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = str(PG_BIN / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: as a crash (no checkpoint; recovery at the next start)."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", mode, "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
