"""Problem lists sorted by deadline, by code or newest first (``IssueFilter.sort``)."""

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
