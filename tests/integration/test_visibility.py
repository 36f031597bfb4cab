"""The SQL scope of lists and counts is the access table's (``domain.access``):
for every role at units across the demo city, and unit filters, the list
holds exactly the issues ``may_see`` lets the caller see that the filter
matches, newest first, now and ``as_of`` now; ``by=unit`` counts agree."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from domain.access import may_see
from domain.actor import Actor, Role
from domain.issue import Issue
from services.bootstrap import Services
from services.demo import DemoCity
from services.read_model.queries import IssueFilter, Page


def _all_ids(services: Services, actor: Actor, f: IssueFilter, as_of: datetime | None = None) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        answer: Page = services.queries.list_issues(
            actor, IssueFilter(unit=f.unit, status=f.status, page=page, per_page=100), as_of=as_of
        )
        ids += [i.id for i in answer.items]
        if page * 100 >= answer.total:
            assert len(ids) == answer.total
            return ids
        page += 1


def test_lists_and_counts_hold_what_may_see_allows(services: Services) -> None:
    DemoCity(services, size=120, seed=5).load()
    app = services.app
    leader = app.actor_for("leader")
    every = _all_ids(services, leader, IssueFilter())
    issues: dict[str, Issue] = {i: app.repository.get(UUID(i)) for i in every}
    assert len(issues) == 120

    units = services.queries.units()
    root = next(u["code"] for u in units if u["parent"] is None)
    county = next(u["code"] for u in units if u["kind"] == "county")
    township = next(u["code"] for u in units if u["kind"] == "township" and county in u["path"])
    village = next(u["code"] for u in units if u["kind"] == "village" and township in u["path"])
    department = next(u["code"] for u in units if u["kind"] == "department")
    places = (root, county, township, village, department)

    def sees(actor: Actor, issue: Issue) -> bool:
        return may_see(actor, issue.unit, issue.assigned_units, app.within)

    def related(issue: Issue, unit: str) -> bool:
        return app.within(issue.unit, unit) or any(app.within(a, unit) for a in issue.assigned_units)

    checked = 0
    now = datetime.now(UTC)
    for role in (Role.ADMIN, Role.LEADER, Role.INSPECTOR, Role.REVIEWER, Role.CLERK, Role.HANDLER):
        for place in places:
            actor = Actor(f"u-{role}-{place}", f"{role}-{place}", role, place)
            for unit, status in (
                (None, None),
                (None, "closed"),
                (county, None),
                (township, None),
                (department, "closed"),
            ):
                expected = [
                    i
                    for i in every  # newest first, as every list
                    if sees(actor, issues[i])
                    and (unit is None or related(issues[i], unit))
                    and (status is None or issues[i].status == status)
                ]
                f = IssueFilter(unit=unit, status=status)
                assert _all_ids(services, actor, f) == expected, (role, place, unit, status)
                assert _all_ids(services, actor, f, as_of=now) == expected, (role, place, unit, status)
                checked += bool(expected)
            by_unit = {r.key: r.total for r in services.queries.stats(actor, by="unit").rows}
            for child, total in by_unit.items():
                seen = [i for i in every if sees(actor, issues[i])]
                assert total == sum(related(issues[i], child) for i in seen), (role, place, child)
    assert checked > 75  # most combinations see something
