"""Problem lists sorted by deadline, by code or newest first (``IssueFilter.sort``), and counted per week."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from services.bootstrap import Services
from services.read_model.queries import IssueFilter
from tests.support import CITY_TODAY, report, small_city


def test_lists_sort_by_deadline_code_or_newest_first(services: Services) -> None:
    city = small_city(services)
    app = services.app
    first = report(services, city, title="一")
    second = report(services, city, title="二")
    third = report(services, city, title="三")
    fourth = report(services, city, title="四")  # never assigned: no deadline
    app.assign(city.admin, first, lead="C01", deadline=CITY_TODAY + timedelta(days=30))
    app.assign(city.admin, second, lead="C01", deadline=CITY_TODAY + timedelta(days=5))
    app.assign(city.admin, third, lead="D01", deadline=CITY_TODAY + timedelta(days=12))

    def ids(sort: str, **kw: object) -> list[str]:
        page = services.queries.list_issues(city.admin, IssueFilter(sort=sort, **kw))  # type: ignore[arg-type]
        return [item.id for item in page.items]

    assert ids("reported") == [fourth, third, second, first]
    assert ids("-reported") == [first, second, third, fourth]
    assert ids("deadline") == [second, third, first, fourth]
    assert ids("-deadline") == [first, third, second, fourth]  # no deadline stays last
    assert ids("code") == [first, second, third, fourth]
    assert ids("-code") == [fourth, third, second, first]
    # With a scope (the unit filter drives the query) and paging.
    assert ids("deadline", unit="C01") == [second, third, first, fourth]  # located there, all four
    assert ids("-deadline", unit="C01", per_page=1, page=2) == [third]
    # A scoped caller's list (the handler of C01 sees what C01 is assigned).
    page = services.queries.list_issues(city.county_handler, IssueFilter(sort="deadline"))
    assert [item.id for item in page.items] == [second, first]


def test_an_unknown_sort_is_invalid_input(services: Services) -> None:
    city = small_city(services)
    with pytest.raises(InvalidInput) as refused:
        services.queries.list_issues(city.admin, IssueFilter(sort="title"))
    assert refused.value.code == "invalid_choice"


def test_problems_reported_and_closed_per_week(services: Services) -> None:
    from tests.support import given_on

    city = small_city(services)
    app = services.app
    monday = CITY_TODAY - timedelta(days=CITY_TODAY.weekday())
    first = report(services, city)
    report(services, city, unit="C02T1V1")
    given_on(services, monday + timedelta(days=8))
    app.assign(city.admin, first, lead="C01", deadline=app.today() + timedelta(days=5))
    app.submit(city.county_handler, first, summary="已整改")
    app.verify(city.reviewer, first, passed=True, note="通过")
    report(services, city)
    flows = services.queries.weekly_flow(city.admin, first_week=monday, weeks=3, tz=app.tz)
    assert [(f.start, f.opened, f.closed) for f in flows] == [
        (monday, 2, 0),
        (monday + timedelta(days=7), 1, 1),
        (monday + timedelta(days=14), 0, 0),
    ]
    # Scoped as every list: the reviewer of C02 sees only what is in its county.
    mine = services.queries.weekly_flow(city.other_reviewer, first_week=monday, weeks=2, tz=app.tz)
    assert [(f.opened, f.closed) for f in mine] == [(1, 0), (0, 0)]


def test_the_extension_requests_waiting_for_a_decision(services: Services) -> None:
    from domain.errors import Forbidden

    city = small_city(services)
    app = services.app
    first, second, third = (report(services, city, title=t) for t in ("一", "二", "三"))
    for issue in (first, second, third):
        app.assign(city.admin, issue, lead="C01", deadline=CITY_TODAY + timedelta(days=5))
    later = CITY_TODAY + timedelta(days=30)
    app.request_extension(city.county_handler, second, deadline=later, reason="工程量大")
    app.request_extension(city.county_handler, first, deadline=later, reason="资金未到位")
    app.request_extension(city.county_handler, third, deadline=later, reason="雨季停工")
    app.decide_extension(city.admin, third, granted=False, note="不同意")
    waiting = app.pending_extensions(city.admin)
    assert [v.id for v in waiting] == [second, first]  # oldest request first; the decided one gone
    assert waiting[0].pending_extension["reason"] == "工程量大"  # type: ignore[index]
    with pytest.raises(Forbidden):
        app.pending_extensions(city.county_handler)
