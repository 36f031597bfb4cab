"""docker-compose.yml cannot be run here (no Docker daemon, no compose
plugin); what can be checked is: it parses, its services are the production
shape, every variable it sets is one rectify reads, every command it runs
exists, and its image is built from files that exist."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from services.settings import Settings
from tests.e2e.servers import documented_command
from web.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def rectify_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in doc["services"].items() if s.get("image") == "rectify:latest"}


def test_it_has_the_database_the_queue_the_api_and_the_deadline_job() -> None:
    doc = compose()
    assert set(doc["services"]) == {"db", "redis", "web", "deadlines"}
    assert doc["services"]["db"]["image"].startswith("postgres:")
    assert doc["services"]["redis"]["image"].startswith("redis:")
    assert set(rectify_services(doc)) == {"web", "deadlines"}
    assert doc["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(doc["services"]["web"]["healthcheck"]["test"])


def test_every_variable_it_sets_is_read_by_rectify() -> None:
    doc = compose()
    settings_source = (ROOT / "services" / "settings.py").read_text()
    for service in rectify_services(doc).values():
        env = service["environment"]
        assert {"RECTIFY_DATABASE_URL", "RECTIFY_REDIS_URL", "RECTIFY_DATA_DIR"} <= set(env)
        for name in env:
            assert f'"{name}"' in settings_source, name
        # The values (with compose's defaults filled in) make valid settings.
        filled = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(v)) for k, v in env.items()}
        settings = Settings.from_env(filled)
        assert settings.database_url.startswith("postgresql+psycopg://rectify:")
        assert settings.redis_url == "redis://redis:6379/0"


def test_every_command_it_runs_exists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    runner = CliRunner()
    for service in rectify_services(compose()).values():
        script = service["command"][-1]
        for step in re.split(r"&&|;|\bdo\b|\bdone\b", script):
            words = shlex.split(step)
            if words[:1] == ["exec"]:
                words = words[1:]
            if not words or words[0] in ("while", "sleep"):
                continue
            if words[0] == "rectify":
                answer = runner.invoke(cli, [*words[1:], "--help"])
                assert answer.exit_code == 0, (step, answer.output)
            elif words[0] == "gunicorn":
                # web.wsgi builds its app on first access: build it here from
                # an embedded database instead of the compose file's.
                module, _, attr = words[-1].partition(":")
                monkeypatch.setenv("RECTIFY_DATA_DIR", str(tmp_path))
                monkeypatch.delenv("RECTIFY_DATABASE_URL", raising=False)
                monkeypatch.delenv("RECTIFY_REDIS_URL", raising=False)
                wsgi = importlib.import_module(module)
                app = getattr(wsgi, attr)
                assert app.test_client().get("/healthz").status_code == 200
                app.extensions["rectify"].close()
                wsgi._app = None  # type: ignore[attr-defined]
            else:
                raise AssertionError(f"unknown command in docker-compose.yml: {step!r}")


def test_the_api_runs_the_readmes_production_command() -> None:
    """Its settings are web/gunicorn_conf.py's, which tests/e2e/test_gunicorn.py
    starts with a real gunicorn."""
    script = compose()["services"]["web"]["command"][-1]
    words = shlex.split(script.split("exec ", 1)[1])
    readme = documented_command()
    assert words[0] == "gunicorn" and words[1:] == readme[1:], (words, readme)
    config = importlib.import_module(words[words.index("-c") + 1].removeprefix("python:"))
    module, _, worker = config.worker_class.rpartition(".")
    assert getattr(importlib.import_module(module), worker)


def test_its_image_copies_files_that_exist_and_installs_the_project() -> None:
    doc = compose()
    dockerfile = doc["services"]["web"]["build"]["dockerfile_inline"]
    copied = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert copied
    for sources in copied:
        for source in sources:
            assert (ROOT / source).exists(), source
    assert "pip install --no-cache-dir ." in dockerfile
