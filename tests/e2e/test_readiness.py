"""Schema changes are not the web app's job: ``create_app`` creates, drops and
rebuilds no table; ``/readyz`` says 503, which projection and what to run,
until ``rectify init`` has run."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import inspect, update

from services.bootstrap import build
from services.read_model import tables as t
from services.settings import Settings
from web.app import create_app
from web.cli.main import cli


def table_names(settings: Settings) -> set[str]:
    services = build(settings)
    try:
        return set(inspect(services.reader).get_table_names())
    finally:
        services.close()


def rectify_init(settings: Settings) -> None:
    env = {"RECTIFY_DATABASE_URL": settings.database_url, "RECTIFY_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(cli, ["init"], env=env)
    assert result.exit_code == 0, result.output


def test_create_app_on_an_empty_database_creates_nothing(settings: Settings) -> None:
    services = build(settings)
    try:
        app = create_app(services=services)
        answer = app.test_client().get("/readyz")
    finally:
        services.close()
    assert table_names(settings) == set()
    assert answer.status_code == 503
    checks = answer.get_json()["checks"]
    assert checks["database"] == "ok"
    for name in ("issues", "org"):
        assert checks[f"projection {name}"] == "not created: run `rectify init`"


def test_readyz_is_503_until_rectify_init_then_200(settings: Settings) -> None:
    services = build(settings)
    try:
        client = create_app(services=services).test_client()
        assert client.get("/readyz").status_code == 503
        rectify_init(settings)
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.get_json()
        assert set(answer.get_json()["checks"].values()) == {"ok"}
    finally:
        services.close()


def test_a_projection_behind_its_schema_is_named_until_init_rebuilds_it(settings: Settings) -> None:
    rectify_init(settings)
    services = build(settings)
    try:
        with services.writer.begin() as conn:
            p = t.projections
            conn.execute(update(p).where(p.c.name == "issues").values(version=0))
        client = create_app(services=services).test_client()
        answer = client.get("/readyz")
        assert answer.status_code == 503
        checks = answer.get_json()["checks"]
        assert checks["projection org"] == "ok"
        assert checks["projection issues"].startswith("schema version 0")
        assert checks["projection issues"].endswith("run `rectify init`")
        # Building another app does not fix it either: only init does.
        assert create_app(services=services).test_client().get("/readyz").status_code == 503
        rectify_init(settings)
        assert client.get("/readyz").status_code == 200
    finally:
        services.close()
