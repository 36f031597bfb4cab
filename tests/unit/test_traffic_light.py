"""A deadline's traffic light: green, yellow inside the warning window, red overdue."""

from __future__ import annotations

from datetime import date, timedelta

from domain.deadlines import Light, Policy, light

TODAY = date(2023, 6, 15)
POLICY = Policy(warn_days=3)


def test_the_light_follows_the_warning_window_and_the_deadline() -> None:
    def at(days: int, **kw: bool) -> Light:
        return light(TODAY + timedelta(days=days), TODAY, POLICY, **kw)

    assert at(10) is Light.GREEN
    assert at(4) is Light.GREEN
    assert at(3) is Light.YELLOW  # the window opens warn_days before
    assert at(0) is Light.YELLOW  # the day itself is still in time
    assert at(-1) is Light.RED  # the next day it is missed
    assert at(10, overdue=True) is Light.RED  # a recorded miss (an old deadline) decides
    assert at(10, warned=True) is Light.YELLOW


def test_the_window_is_the_one_the_deadline_job_warns_in() -> None:
    assert [d for d in range(-2, 6) if POLICY.warns(TODAY + timedelta(days=d), TODAY)] == [0, 1, 2, 3]
