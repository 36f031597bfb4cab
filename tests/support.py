"""Helpers for tests: service availability, PostgreSQL databases, a small city."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

from domain.actor import Actor, system_actor
from services.bootstrap import Services
from services.clock import ManualClock

PG_SERVER = os.environ.get("RECTIFY_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("RECTIFY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _unavailable(what: str, why: object) -> None:
    message = f"{what} is not reachable: {why}"
    if in_ci():
        pytest.fail(message + " (CI is set: services are required)")
    pytest.skip(message)


def require_postgres() -> None:
    try:
        with psycopg.connect(PG_SERVER + "/postgres", connect_timeout=3):
            pass
    except psycopg.Error as e:
        _unavailable("PostgreSQL", e)


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as e:
        _unavailable("Redis", e)


#: One test run's tag, shared by its xdist workers, so that two runs on one
#: machine (a developer's and a helper's, say) never share a database.
RUN_TAG = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"p{os.getpid()}")[:10]


def pg_database(worker_id: str) -> str:
    return f"rectify_test_{RUN_TAG}_{worker_id}".replace("-", "_").lower()


def drop_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(PG_SERVER + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error:
        pass  # nothing to clean up where there is no server


def pg_url(worker_id: str) -> str:
    server = PG_SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{server}/{pg_database(worker_id)}"


def reset_postgres(url: str) -> None:
    """A clean database for one test: created once, then its schema is dropped."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(f"{PG_SERVER}/{name}", autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


TAXONOMY = [
    {
        "code": "A01",
        "name": "两不愁三保障",
        "categories": [
            {"code": "A01C01", "name": "义务教育保障"},
            {"code": "A01C02", "name": "住房安全保障"},
        ],
    },
    {
        "code": "A02",
        "name": "产业帮扶",
        "categories": [{"code": "A02C01", "name": "产业项目"}],
    },
]


@dataclass
class City:
    """A small city: root C, counties C01 and C02 with a township and a
    village each, a department D01, a user of every role."""

    admin: Actor
    inspector: Actor
    clerk: Actor  # village clerk in C01
    handler: Actor  # handler of department D01
    county_handler: Actor  # handler of county C01
    other_handler: Actor  # handler of county C02
    reviewer: Actor  # reviewer of county C01
    other_reviewer: Actor  # reviewer of county C02
    city_reviewer: Actor  # reviewer at the root
    leader: Actor
    campaign: str = "YC2023"


#: The day the small city's commands are given: its campaign runs in 2023.
CITY_TODAY = date(2023, 6, 15)


#: Where the clock of the ``services`` fixture starts (the morning of CITY_TODAY).
CLOCK_START = datetime.combine(CITY_TODAY, time(9, 0), tzinfo=ZoneInfo("Asia/Shanghai"))


def city_clock() -> ManualClock:
    """The clock the ``services`` fixtures are built with: it starts at
    :data:`CLOCK_START` and moves on a millisecond at each reading."""
    return ManualClock(CLOCK_START, tick=timedelta(milliseconds=1))


def given_on(s: Services, day: date) -> None:
    """The application's commands are given on ``day`` from now on: its clock
    moves forward to that morning (it never moves back)."""
    clock = s.app.clock
    assert isinstance(clock, ManualClock), "build the services with tests.support.city_clock()"
    if s.app.today() < day:
        clock.set(datetime.combine(day, time(9, 0), tzinfo=s.app.tz))
    assert s.app.today() == day, f"the clock is past {day} already"


def small_city(s: Services) -> City:
    """The city. On the ``services`` fixture (:func:`city_clock`) its commands
    are given on :data:`CITY_TODAY`."""
    app = s.app
    sys = system_actor()
    app.add_unit(sys, code="C", name="运城市", kind="city")
    app.add_unit(sys, code="OFF", name="市巩固衔接办", kind="office", parent="C")
    app.add_unit(sys, code="D01", name="市教育局", kind="department", parent="C")
    for county, name in (("C01", "盐湖区"), ("C02", "临猗县")):
        app.add_unit(sys, code=county, name=name, kind="county", parent="C")
        app.add_unit(sys, code=f"{county}T1", name=f"{name}一镇", kind="township", parent=county)
        app.add_unit(sys, code=f"{county}T1V1", name=f"{name}一村", kind="village", parent=f"{county}T1")
    users = {
        "admin": ("admin", "OFF"),
        "inspector": ("inspector", "OFF"),
        "clerk": ("clerk", "C01T1V1"),
        "handler": ("handler", "D01"),
        "county_handler": ("handler", "C01"),
        "other_handler": ("handler", "C02"),
        "reviewer": ("reviewer", "C01"),
        "other_reviewer": ("reviewer", "C02"),
        "city_reviewer": ("reviewer", "C"),
        "leader": ("leader", "C"),
    }
    cheap_hash = "scrypt:32768:8:1$test$0"  # never checked: tests act as users directly
    actors = {}
    for username, (role, unit) in users.items():
        app.create_user(
            sys,
            username=username.replace("_", "-"),
            role=role,
            unit=unit,
            password="",
            password_hash=cheap_hash,
        )
        actors[username] = app.actor_for(username.replace("_", "-"))
    app.start_campaign(
        actors["admin"],
        code="YC2023",
        name="2022年度考核评估反馈问题整改",
        deadline="2023-12-31",
        aspects=TAXONOMY,
    )
    return City(**actors)


def report(
    s: Services, city: City, *, unit: str = "C01T1V1", title: str = "危房改造未完成", **kw: object
) -> str:
    """Reports a problem as the inspector and returns its id."""
    fields: dict[str, object] = {
        "campaign": city.campaign,
        "title": title,
        "description": "排查发现该户住房安全等级为C级，未纳入改造。",
        "source": "flying",
        "aspect": "A01",
        "category": "A01C02",
        "severity": "serious",
        "key": False,
        "unit": unit,
        "discovered_at": "2023-06-01",
    }
    fields.update(kw)
    return s.app.report_issue(city.inspector, **fields).id  # type: ignore[arg-type]


def in_days(n: int) -> date:
    return date.today() + timedelta(days=n)
