"""The leaders' dashboard for a campaign: totals, closure and on-time rates,
overdue; by unit (bar charts, drawn on the server as SVG), by aspect, by
source; the units ranked. Every number links to the list of the problems
behind it. The counts are the API's (``Queries.stats``), scoped to what the
user may see; ``as_of`` shows them as they stood at the end of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from marshmallow import ValidationError

from domain.lifecycle import OPEN_STATUSES, Status
from services.read_model.queries import StatsRow
from web.api import schemas as s
from web.context import services
from web.ui.forms import field_messages
from web.ui.names import directory
from web.ui.sessions import current_actor

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")

OPEN = ",".join(sorted(OPEN_STATUSES))
#: How many weeks the chart of problems reported and closed shows.
WEEKS = 12


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its share of the widest bar, and where it leads."""

    label: str
    value: float
    text: str
    href: str
    width: float  # 0..1


def issues_link(**filters: Any) -> str:
    """The problem list filtered as given (empty filters left out)."""
    kept = {k: v for k, v in filters.items() if v not in (None, "")}
    return url_for("ui.issues.index") + ("?" + urlencode(kept) if kept else "")


def _totals(rows: list[StatsRow]) -> StatsRow:
    """Every problem once: the sum of the rows by source (each problem has one)."""
    total = StatsRow(key="", name="")
    for r in rows:
        total = StatsRow(
            key="",
            name="",
            total=total.total + r.total,
            open=total.open + r.open,
            closed=total.closed + r.closed,
            rejected=total.rejected + r.rejected,
            overdue=total.overdue + r.overdue,
            closed_on_time=total.closed_on_time + r.closed_on_time,
        )
    return total


def _bars(rows: list[StatsRow], value: Any, text: Any, href: Any) -> list[Bar]:
    values = [float(value(r)) for r in rows]
    widest = max(values, default=0.0) or 1.0
    return [Bar(r.name, v, text(r), href(r), v / widest) for r, v in zip(rows, values, strict=True)]


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


@blueprint.get("")
@login_required
def index() -> ResponseReturnValue:
    names = directory()
    campaigns = names.campaigns
    raw = {k: v for k in ("campaign", "as_of") if (v := request.args.get(k, "").strip())}
    errors: list[str] = []
    try:
        query = s.StatsQuery().load(raw)
    except ValidationError as e:
        errors = field_messages(e)
        query = {}
    campaign = query.get("campaign") or (campaigns[-1]["code"] if campaigns else None)
    as_of: datetime | None = query.get("as_of")
    actor = current_actor()
    queries = services().queries
    by_unit = queries.stats(actor, by="unit", campaign=campaign, as_of=as_of).rows
    by_aspect = queries.stats(actor, by="aspect", campaign=campaign, as_of=as_of).rows
    by_source = queries.stats(actor, by="source", campaign=campaign, as_of=as_of).rows
    totals = _totals(by_source)
    shown_units = [r for r in by_unit if r.total]
    link = {"campaign": campaign}
    ranking = sorted(shown_units, key=lambda r: (-r.closure_rate, r.overdue, r.key))
    app = services().app
    last_day = as_of.astimezone(app.tz).date() if as_of else app.today()
    first_week = last_day - timedelta(days=last_day.weekday(), weeks=WEEKS - 1)
    flows = queries.weekly_flow(
        actor, first_week=first_week, weeks=WEEKS, tz=app.tz, campaign=campaign, until=as_of
    )
    return render_template(
        "dashboard/index.html",
        campaigns=campaigns,
        campaign=campaign,
        as_of=raw.get("as_of", "") if not errors else "",
        errors=errors,
        totals=totals,
        by_aspect=[r for r in by_aspect if r.total],
        by_source=[r for r in by_source if r.total],
        ranking=ranking,
        closure_bars=_bars(
            shown_units,
            lambda r: r.closure_rate,
            lambda r: percent(r.closure_rate),
            lambda r: issues_link(unit=r.key, status=Status.CLOSED, **link),
        ),
        overdue_bars=_bars(
            shown_units,
            lambda r: r.overdue,
            lambda r: str(r.overdue),
            lambda r: issues_link(unit=r.key, overdue="true", **link),
        ),
        link=lambda **f: issues_link(**{**link, **f}),
        weeks=flows,
        week_scale=max([max(f.opened, f.closed) for f in flows] + [1]),
        OPEN=OPEN,
        percent=percent,
    )
