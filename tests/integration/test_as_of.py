"""Lists and counts as they stood at an earlier instant (state-history table)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.bootstrap import Services
from services.demo import DemoCity
from services.read_model.queries import IssueFilter
from tests.support import in_days, report, small_city


def test_the_list_and_the_counts_as_they_stood_then(services: Services) -> None:
    city = small_city(services)
    app = services.app
    first = report(services, city, title="第一个问题")
    second = report(services, city, title="第二个问题", unit="C02T1V1")
    app.assign(city.admin, first, lead="D01", co=["C01"], deadline=in_days(10))
    services.projector.catch_up()
    then = datetime.now(UTC)
    # After "then": the first is submitted and closed, the second rejected.
    app.submit(city.handler, first, summary="完成")
    app.verify(city.reviewer, first, passed=True)
    app.reject(city.admin, second, reason="不属于问题")

    q = services.queries
    now_closed = q.list_issues(city.leader, IssueFilter(status="closed"))
    assert [i.id for i in now_closed.items] == [first]
    then_closed = q.list_issues(city.leader, IssueFilter(status="closed"), as_of=then)
    assert then_closed.total == 0
    then_assigned = q.list_issues(city.leader, IssueFilter(status="assigned"), as_of=then)
    assert [i.id for i in then_assigned.items] == [first]
    assert then_assigned.items[0].status == "assigned"
    assert then_assigned.items[0].version == 2
    # The D01 handler saw only the first, then as now; C02's reviewer only the second.
    assert q.list_issues(city.handler, IssueFilter(), as_of=then).total == 1
    assert [i.id for i in q.list_issues(city.other_reviewer, IssueFilter(), as_of=then).items] == [second]
    # Subtree filter on the assignee then.
    assert q.list_issues(city.leader, IssueFilter(unit="D01"), as_of=then).total == 1

    by_unit = {r.key: r for r in q.stats(city.leader, by="unit", as_of=then).rows}
    assert by_unit["C01"].open == 1 and by_unit["C01"].closed == 0
    assert by_unit["C02"].open == 1 and by_unit["C02"].rejected == 0
    now_by_unit = {r.key: r for r in q.stats(city.leader, by="unit").rows}
    assert now_by_unit["C01"].closed == 1 and now_by_unit["C02"].rejected == 1

    before_anything = datetime(2000, 1, 1, tzinfo=UTC)
    assert q.list_issues(city.leader, IssueFilter(), as_of=before_anything).total == 0


def test_counts_as_of_now_equal_the_live_counts(demo_services: Services) -> None:
    services = demo_services
    DemoCity(services, size=150, seed=3).load()
    city_leader = services.app.actor_for("leader")
    now = datetime.now(UTC)
    for by in ("unit", "aspect", "source"):
        live = services.queries.stats(city_leader, by=by)
        historical = services.queries.stats(city_leader, by=by, as_of=now)
        assert sorted(live.rows, key=lambda r: r.key) == sorted(historical.rows, key=lambda r: r.key), by
    for f in (IssueFilter(status="assigned"), IssueFilter(overdue=True), IssueFilter(unit="YH")):
        live_page = services.queries.list_issues(city_leader, f)
        then_page = services.queries.list_issues(city_leader, f, as_of=now)
        assert live_page.total == then_page.total
        assert [i.id for i in live_page.items] == [i.id for i in then_page.items]
