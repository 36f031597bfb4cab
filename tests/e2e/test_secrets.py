"""Secrets: never in logs or error answers; no server with a weak secret key.

Every log record of every logger (DEBUG and up, werkzeug's included) and every
answer of a session of sign-ins, good and bad tokens, refusals and a crashed
request is searched for the password, the token and the secret key.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.actor import system_actor
from services.bootstrap import Services
from services.settings import MIN_SECRET_KEY_LENGTH, Settings, WeakSecretKey
from tests.support import small_city
from web.app import create_app

PASSWORD = "Zq7-correct-horse-battery-staple"
SECRET = "s3cr3t-" + "0123456789abcdef" * 3


@pytest.mark.parametrize(
    "key",
    ["change-me", "CHANGE-ME", "secret", "x" * 64, "short-but-random-Q7", "a" * (MIN_SECRET_KEY_LENGTH - 1)],
)
def test_the_app_refuses_a_weak_or_default_secret_key(tmp_path: Path, key: str) -> None:
    with pytest.raises(WeakSecretKey) as refused:
        create_app(Settings(data_dir=tmp_path, secret_key=key))
    if len(key) >= 10:  # (shorter ones are words of the message's own advice)
        assert key not in str(refused.value)


def test_a_strong_key_or_none_starts(tmp_path: Path) -> None:
    assert create_app(Settings(data_dir=tmp_path / "a", secret_key=SECRET)).secret_key == SECRET
    generated = create_app(Settings(data_dir=tmp_path / "b")).secret_key
    assert isinstance(generated, str) and len(generated) >= MIN_SECRET_KEY_LENGTH


def test_rectify_serve_refuses_the_compose_placeholder_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "RECTIFY_DATA_DIR": str(tmp_path), "RECTIFY_SECRET_KEY": "change-me"}
    env.pop("RECTIFY_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from web.cli.main import main; main()", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rectify: RECTIFY_SECRET_KEY"), done.stderr


@pytest.fixture
def secret_app(services: Services) -> Flask:
    app = create_app(services=services)
    app.config["SECRET_KEY"] = SECRET
    app.extensions["sign_in_limit"].enabled = False
    return app


def test_no_password_token_or_secret_key_in_logs_or_answers(
    services: Services, secret_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    small_city(services)
    services.app.change_password(system_actor(), "clerk", password=PASSWORD)
    client: FlaskClient = secret_app.test_client()
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []

    def call(method: str, path: str, **kwargs: object) -> int:
        response = client.open(path, method=method, **kwargs)  # type: ignore[arg-type]
        answers.append(str(response.headers) + response.get_data(as_text=True))
        return response.status_code

    # The one answer that must carry a token is its own issuing; it is not searched.
    issued = client.post("/api/v1/tokens", json={"username": "clerk", "password": PASSWORD})
    assert issued.status_code == 201
    token = issued.get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert call("POST", "/api/v1/tokens", json={"username": "clerk", "password": PASSWORD + "x"}) == 401
    assert call("POST", "/api/v1/tokens", json={"username": PASSWORD, "password": PASSWORD}) == 401
    assert call("POST", "/api/v1/tokens", json={"username": "clerk", "password": PASSWORD, "x": 1}) == 422
    assert call("POST", "/api/v1/tokens", data=PASSWORD, content_type="text/plain") == 415
    assert call("GET", "/api/v1/issues", headers=bearer) == 200
    assert call("GET", "/api/v1/issues", headers={"Authorization": f"Bearer {token}x"}) == 401
    assert call("GET", "/api/v1/issues?page=0", headers=bearer) == 422
    assert call("GET", "/api/v1/issues/YC2099-0001", headers=bearer) == 404
    assert call("DELETE", "/api/v1/issues", headers=bearer) == 405

    # A request that fails inside the server: 500 in the error shape, nothing secret in it.
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    services.queries.list_issues = broken  # type: ignore[method-assign]
    services.queries.issue_documents = broken  # type: ignore[method-assign]
    secret_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert call("GET", "/api/v1/issues", headers=bearer) == 500

    logged = (
        "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
        + caplog.text
    )
    for secret in (PASSWORD, token, SECRET):
        for text in answers:
            assert secret not in text
        assert secret not in logged
    assert caplog.records, "the 500 at least is logged"
