"""Time comes from the application's clock, never from the wall clock."""

from __future__ import annotations

import ast
import inspect
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from domain.actor import system_actor
from domain.clock import SystemClock, using
from domain.unit import Unit
from services.application import Rectify
from services.clock import ManualClock
from services.files import FileStore

ROOT = Path(__file__).resolve().parents[2]
SAVES = ("_save", "_command", "_retrying", "_commit")
#: Saves what commands inside it recorded, records nothing itself.
NOT_COMMANDS = {"unit_of_work"}


def _saving_methods() -> list[str]:
    """Public methods of the application whose own body saves something."""
    names = []
    for name in dir(Rectify):
        if name.startswith("_") or name in NOT_COMMANDS:
            continue
        member = getattr(Rectify, name)
        if not callable(member) or not getattr(member, "__module__", "").startswith("services."):
            continue
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(member)))
        calls = {
            n.func.attr
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }
        if calls & set(SAVES):
            names.append(name)
    return names


def test_every_saving_method_is_a_command_that_uses_the_clock() -> None:
    saving = _saving_methods()
    assert "assign" in saving and "add_unit" in saving  # the check finds them
    undecorated = [n for n in saving if not getattr(getattr(Rectify, n), "is_command", False)]
    assert not undecorated, f"mark these with @command (services/store.py): {undecorated}"


def test_no_wall_clock_in_the_domain_or_the_commands() -> None:
    allowed = {ROOT / "domain" / "clock.py"}
    offenders = []
    for package in ("domain", "services"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            if path not in allowed and ("date.today()" in text or "datetime.now(" in text):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_events_take_their_timestamp_from_the_clock_in_use() -> None:
    at = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
    with using(ManualClock(at)):
        unit = Unit.add(system_actor(), code="C", name="运城市", kind="city", parent=None)
    assert [e.timestamp for e in unit.collect_events()] == [at]


def test_outside_any_command_the_system_clock_applies() -> None:
    before = SystemClock().now()
    unit = Unit.add(system_actor(), code="C", name="运城市", kind="city", parent=None)
    (created,) = unit.collect_events()
    assert before <= created.timestamp <= SystemClock().now()


def test_a_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(datetime(2023, 3, 1, tzinfo=UTC))
    clock.advance(timedelta(days=2))
    assert clock.now() == datetime(2023, 3, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not move back"):
        clock.set(datetime(2023, 3, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2023, 3, 1))


def test_today_is_the_clocks_date_in_the_configured_zone(tmp_path: Path) -> None:
    # 2023-03-01 17:00 UTC is already 2 March in Asia/Shanghai.
    clock = ManualClock(datetime(2023, 3, 1, 17, 0, tzinfo=UTC))
    app = Rectify(clock=clock, files=FileStore(tmp_path))
    try:
        assert app.today() == date(2023, 3, 2)
    finally:
        app.close()
