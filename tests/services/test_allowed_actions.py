"""``IssueCommands.allowed_actions``: what the UI may offer an actor on an issue now."""

from __future__ import annotations

import pytest

from domain.errors import NotFound
from domain.lifecycle import Action
from services.bootstrap import Services
from tests.support import in_days, report, small_city


def test_the_actions_follow_the_status_the_role_and_the_scope(services: Services) -> None:
    city = small_city(services)
    app = services.app
    issue = report(services, city)
    assert Action.ASSIGN in app.allowed_actions(city.admin, issue)
    with pytest.raises(NotFound):
        app.allowed_actions(city.handler, issue)  # D01 is not assigned yet
    app.assign(city.admin, issue, lead="D01", co=["C01"], deadline=in_days(10))
    assert Action.ASSIGN not in app.allowed_actions(city.admin, issue)
    assert Action.SUBMIT in app.allowed_actions(city.handler, issue)
    assert app.allowed_actions(city.reviewer, issue) == {Action.COMMENT}
    with pytest.raises(NotFound):
        app.allowed_actions(city.other_handler, issue)
    app.submit(city.handler, issue, summary="已完成整改")
    assert app.allowed_actions(city.handler, issue) == {Action.COMMENT}
    assert app.allowed_actions(city.reviewer, issue) == {
        Action.PASS_VERIFICATION,
        Action.FAIL_VERIFICATION,
        Action.COMMENT,
    }
    # By code too.
    assert app.allowed_actions(city.leader, "YC2023-0001") == {Action.COMMENT}
