"""The ``rectify`` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.settings import Settings

RECTIFY = str(Path(sys.executable).parent / "rectify")
ROLES = {"admin", "leader", "inspector", "clerk", "handler", "reviewer"}


@pytest.fixture
def rectify(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "RECTIFY_DATA_DIR": str(tmp_path / "data"),
        "RECTIFY_DATABASE_URL": settings.database_url,
    }

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [RECTIFY, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def assert_user_error(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0]


def test_init_twice_then_units_and_users(rectify) -> None:  # type: ignore[no-untyped-def]
    rectify("init")
    rectify("init")
    rectify("unit", "add", "YC", "--name", "运城市", "--kind", "city")
    rectify("unit", "add", "YH", "--name", "盐湖区", "--kind", "county", "--parent", "YC")
    out = rectify(
        "user", "add", "wang", "--role", "reviewer", "--unit", "YH", "--password", "s3cret-pass"
    ).stdout
    assert "wang" in out

    assert_user_error(
        rectify("unit", "add", "YC", "--name", "x", "--kind", "city", ok=False), "already exists"
    )
    assert_user_error(
        rectify("unit", "add", "XX", "--name", "x", "--kind", "county", "--parent", "NOPE", ok=False), "NOPE"
    )
    assert_user_error(
        rectify("unit", "add", "ZZ", "--name", "第二个根", "--kind", "city", ok=False), "root unit exists"
    )
    assert_user_error(
        rectify("user", "add", "li", "--role", "boss", "--unit", "YH", "--password", "long-enough", ok=False),
        "role must be one of",
    )
    assert_user_error(
        rectify(
            "user", "add", "li", "--role", "clerk", "--unit", "NOPE", "--password", "long-enough", ok=False
        ),
        "no unit",
    )


def test_demo_prints_logins_and_refuses_a_second_time(rectify) -> None:  # type: ignore[no-untyped-def]
    out = rectify("demo", "--size", "60").stdout.strip().splitlines()
    logins = [line.split() for line in out if not line.startswith("#")]
    assert {role for role, _, _ in logins} == ROLES
    assert all(len(parts) == 3 for parts in logins)
    assert_user_error(rectify("demo", "--size", "10", ok=False), "already has problems")

    history = rectify("history", "YC2023-0001").stdout.splitlines()
    assert history[0].startswith("v1") and "Reported" in history[0]
    events = [json.loads(line) for line in rectify("history", "YC2023-0001", "--json").stdout.splitlines()]
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert all({"username", "role", "unit"} <= set(e["actor"]) for e in events)

    # Before the first event there is no history at all.
    first_at = events[0]["at"]
    assert rectify("history", "YC2023-0001", "--as-of", first_at).stdout.count("\n") == 1
    assert_user_error(rectify("history", "YC2023-9999", ok=False), "no issue")
    assert_user_error(rectify("history", "YC2023-0001", "--as-of", "yesterday", ok=False), "ISO 8601")
    # A date alone is the end of that day in RECTIFY_TIMEZONE (Asia/Shanghai by default).
    last = datetime.fromisoformat(events[-1]["at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    that_day = rectify("history", "YC2023-0001", "--as-of", last.date().isoformat(), "--json").stdout
    assert [json.loads(line)["version"] for line in that_day.splitlines()][-1] == events[-1]["version"]
    # Before the issue existed: an error, never silently nothing.
    day_before = datetime.fromisoformat(first_at).astimezone(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)
    assert_user_error(
        rectify("history", "YC2023-0001", "--as-of", day_before.date().isoformat(), ok=False), "did not exist"
    )

    out = rectify("project", "--rebuild").stdout
    assert "read model at event" in out
    assert "projection org at event" in out and "projection issues at event" in out
    out = rectify("project", "org", "--rebuild").stdout.splitlines()
    assert out[0].startswith("projection org at event") and "issues" not in out[0]
    assert_user_error(rectify("project", "nope", ok=False), "no projection 'nope'")
    out = rectify("deadlines", "sweep", "--now", "2030-01-01T09:00:00+08:00").stdout
    assert "checked" in out


def test_a_bad_database_url_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "RECTIFY_DATA_DIR": str(tmp_path), "RECTIFY_DATABASE_URL": "mysql://nope"}
    result = subprocess.run([RECTIFY, "init"], env=env, capture_output=True, text=True, check=False)
    assert_user_error(result, "RECTIFY_DATABASE_URL")
