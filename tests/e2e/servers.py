"""A real gunicorn started with README.md's production command, and raw HTTP
exchanges with it (tests/e2e/test_gunicorn.py, tests/e2e/test_compose.py)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def documented_command() -> list[str]:
    """The production command of README.md's "HTTP API v1" section, as
    words, without the environment it is shown with."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## HTTP API v1", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "README.md's HTTP API v1 section shows no command"
    words = shlex.split(block.group(1).replace("\\\n", " ").split("\n", 1)[0])
    words = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
    assert words and words[0].endswith("gunicorn"), words
    return words


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(data_dir: Path, *extra: str, boot_timeout: float = 60.0) -> Iterator[Server]:
    """README's command on a free loopback port, on SQLite in ``data_dir``
    (``extra`` words are added before the app); stopped afterwards."""
    words = documented_command()
    words[0] = str(Path(sys.executable).parent / "gunicorn")
    port = free_port()
    if "--bind" in words:
        words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    else:
        words[1:1] = ["--bind", f"127.0.0.1:{port}"]
    words[-1:-1] = list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECTIFY_", "GUNICORN_"))}
    env.update(RECTIFY_DATA_DIR=str(data_dir), RECTIFY_SECRET_KEY="test-" + "k" * 40)
    log = data_dir / f"gunicorn-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            words, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(port, log)
    try:
        _wait_until_up(proc, server, boot_timeout)
        yield server
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited {proc.returncode}:\n{server.log_text()[-3000:]}")
        booted = server.log_text().count("Booting worker")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=2) as answer:
                if answer.status == 200 and booted >= 2:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{server.log_text()[-3000:]}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def read_answer(sock: socket.socket) -> Answer:
    """One HTTP answer from ``sock`` (with a Content-Length, or up to EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", -1))
    while len(body) < length or length < 0:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(status, headers, body[:length] if length >= 0 else body)


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> Answer:
    """Sends ``raw`` on a new connection and reads the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_answer(sock)


def get(port: int, path: str, timeout: float = 5.0) -> Answer:
    return exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(), timeout)
