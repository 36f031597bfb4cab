from services.bootstrap import Services
from services.read_model.queries import IssueFilter
from tests.support import in_days, report, small_city


def test_a_problem_goes_from_report_to_closure(services: Services) -> None:
    city = small_city(services)
    app = services.app
    issue = report(services, city)
    app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(30), measures="限期改造")
    app.report_progress(city.handler, issue, note="已开工")
    app.submit(city.handler, issue, summary="已完成改造")
    view = app.verify(city.reviewer, issue, passed=True, note="现场核查通过")
    assert view.status == "closed"
    assert view.closed_at is not None
    page = services.queries.list_issues(city.leader, IssueFilter(status="closed"))
    assert [i.id for i in page.items] == [issue]
