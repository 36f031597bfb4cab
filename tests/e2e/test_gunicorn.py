"""README.md's production command under a real gunicorn (docs/reliability.md,
"HTTP edge"): gunicorn's own errors in the API's JSON shape, slow clients
that freeze nothing, silent ones let go, bodies refused before they arrive.

The command is read from README.md (``tests/e2e/servers.py``), and
``tests/e2e/test_compose.py`` checks docker-compose.yml runs the same."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import Answer, Server, exchange, get, gunicorn, read_answer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with gunicorn(Path(tmp_path_factory.mktemp("gunicorn"))) as running:
        yield running


def json_error(answer: Answer, status: int) -> dict[str, object]:
    assert answer.status == status, answer
    assert answer.headers.get("content-type") == "application/json", answer
    assert answer.headers.get("x-content-type-options") == "nosniff", answer
    body = answer.json()
    assert body["code"] == status, body
    assert isinstance(body["message"], str) and body["message"], body
    assert body["errors"] == {} or isinstance(body["errors"], dict), body
    assert isinstance(body["reason"], str) and body["reason"], body
    return dict(body)


# -- 7. gunicorn's own answers ---------------------------------------------------------------------
OWN_ERRORS = [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"THIS IS NOT HTTP\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
]


@pytest.mark.parametrize(
    "raw,status", OWN_ERRORS, ids=["long-line", "not-http", "header-name", "fields", "field"]
)
def test_gunicorns_own_errors_are_json(server: Server, raw: bytes, status: int) -> None:
    json_error(exchange(server.port, raw), status)


# -- 8. slow clients -----------------------------------------------------------------------------------
SLOW_START = (
    b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 1000\r\n\r\n{"username": "'
)


def test_slow_clients_do_not_freeze_it(server: Server) -> None:
    """Twelve clients that send their headers and part of a body, then stall,
    as phones on a bad line do: everyone else is still answered at once.
    (Two froze the former 2 sync workers; twelve are more than one worker's
    8 threads, so a saturated worker must leave new clients to the other.)"""
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(12)]
    try:
        for sock in slow:
            sock.sendall(SLOW_START)
        time.sleep(0.5)  # every one of them has reached a worker
        for _ in range(5):
            started = time.monotonic()
            assert get(server.port, "/healthz", timeout=2).status == 200
            assert time.monotonic() - started < 2
    finally:
        for sock in slow:
            sock.close()


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same command with ``--timeout 3``: a silent client is let go after 3 s."""
    with gunicorn(Path(tmp_path_factory.mktemp("impatient")), "--timeout", "3") as running:
        yield running


def test_a_client_that_stops_sending_is_let_go(impatient: Server) -> None:
    # Half the headers, then nothing: the connection is closed.
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert sock.recv(1024) == b""
        assert 2.5 < time.monotonic() - started < 8
    # The headers and part of the body: 408 in the JSON shape, then closed.
    with socket.create_connection(("127.0.0.1", impatient.port), timeout=10) as sock:
        sock.sendall(SLOW_START)
        started = time.monotonic()
        answer = read_answer(sock)
        assert 2.5 < time.monotonic() - started < 8
        assert json_error(answer, 408)["reason"] == "request_timeout"
        assert sock.recv(1024) == b""


# -- 2. bodies refused before they arrive ----------------------------------------------------------
def test_a_body_declared_too_large_is_refused_before_it_is_sent(server: Server) -> None:
    raw = (
        b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 104857600\r\n\r\n"
    )
    started = time.monotonic()
    answer = exchange(server.port, raw, timeout=3)
    assert json_error(answer, 413)["reason"] == "body_too_large"
    assert time.monotonic() - started < 2
    # Without a token, a protected endpoint says 401 without reading it either.
    answer = exchange(server.port, raw.replace(b"/api/v1/tokens", b"/api/v1/issues"), timeout=3)
    assert json_error(answer, 401)["reason"] == "token_required"


def test_a_chunked_body_is_refused_once_past_the_limit(server: Server) -> None:
    sent = 0
    stop = threading.Event()
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Transfer-Encoding: chunked\r\n\r\n6\r\n["aaa"\r\n'
        )

        def send() -> None:
            nonlocal sent
            try:
                while not stop.is_set() and sent < 100 * 1024 * 1024:
                    sock.sendall(b"10000\r\n" + chunk + b"\r\n")
                    sent += len(chunk)
            except OSError:
                pass  # the server closed the connection

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = read_answer(sock)
        stop.set()
        sender.join(timeout=10)
    assert json_error(answer, 413)["reason"] == "body_too_large"
    assert sent < 20 * 1024 * 1024
