"""The demo city: the contract's taxonomy, played over months on its clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from domain.actor import system_actor
from domain.campaign import Campaign, campaign_id
from services.bootstrap import Services
from services.demo import DemoCity
from services.demo.city import CAMPAIGN, SPAN


def _events(s: Services) -> list[object]:
    notifications = s.app.recorder.select_notifications(start=None, limit=10**6)
    return [s.app.mapper.to_domain_event(n) for n in notifications]


def test_the_demo_plays_months_in_log_order_with_every_kind_of_fact(demo_services: Services) -> None:
    s = demo_services
    end = s.app.clock.now() + SPAN
    logins = DemoCity(s, size=300, seed=5).load()
    events = _events(s)
    stamps = [e.timestamp for e in events]  # type: ignore[attr-defined]
    assert stamps == sorted(stamps), "time moves forward in log order"
    assert stamps[-1] <= end <= datetime.now(UTC)
    assert stamps[-1] - stamps[0] > timedelta(days=150)
    months = Counter(t.strftime("%Y-%m") for t in stamps)
    assert len(months) >= 6
    kinds = {type(e).__name__ for e in events}
    assert {"Reported", "Assigned", "DeadlineWarned", "DeadlineMissed", "SupervisionLetterIssued"} <= kinds
    assert {"ExtensionGranted", "VerificationPassed", "VerificationFailed", "Reopened", "Rejected"} <= kinds

    # Facts fall on the days they would have: a warning is recorded before its
    # deadline, a miss after it.
    for e in events:
        name = type(e).__name__
        if name in ("DeadlineWarned", "DeadlineMissed"):
            day = e.timestamp.astimezone(s.app.tz).date()  # type: ignore[attr-defined]
            deadline = datetime.fromisoformat(e.deadline).date()  # type: ignore[attr-defined]
            assert (day <= deadline) if name == "DeadlineWarned" else (day > deadline)

    assert s.app.today() == end.astimezone(s.app.tz).date()
    roles = {role for role, _, _ in logins}
    assert roles == {"admin", "leader", "inspector", "reviewer", "handler", "clerk"}
    for _, username, _ in logins:
        assert s.app.get_user(system_actor(), username).active


def test_the_demo_campaign_has_11_aspects_and_35_categories(demo_services: Services) -> None:
    DemoCity(demo_services, size=5).load()
    campaign = demo_services.app.repository.get(campaign_id(CAMPAIGN))
    assert isinstance(campaign, Campaign)
    assert len(campaign.aspects) == 11
    assert sum(len(a["categories"]) for a in campaign.aspects) == 35


def test_a_step_scheduled_in_the_past_never_sets_the_clock_back(demo_services: Services) -> None:
    """A life whose next step would fall before now (a deadline already past
    when the work is planned) waits zero time instead."""

    class Hasty(DemoCity):
        def _life(self):  # type: ignore[no-untyped-def]
            yield timedelta(days=-3)
            yield timedelta(hours=-1)

    before = demo_services.app.clock.now()
    Hasty(demo_services, size=20, seed=1).load()
    assert demo_services.app.clock.now() >= before
