"""Counts by unit, aspect or source (only what the caller may see)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask.views import MethodView

from domain.labels import label
from domain.vocabulary import Source
from web.api import schemas as s
from web.api.base import BEARER, protected_blueprint
from web.auth import current_actor
from web.context import services
from web.i18n.language import request_language

stats = protected_blueprint("stats", __name__, "/api/v1/stats", "Counts and rates")


@stats.route("")
class Stats(MethodView):
    @stats.arguments(s.StatsQuery, location="query")
    @stats.response(200, s.StatsOut)
    @stats.doc(security=BEARER)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """``by=unit`` has one row per child of the root unit."""
        as_of = query.get("as_of")
        result = services().queries.stats(
            current_actor(), by=query["by"], campaign=query.get("campaign"), as_of=as_of
        )
        rows = result.rows
        if result.by == "source":
            # The query layer counts by source code; the name is in the caller's language.
            lang = request_language()
            rows = [replace(row, name=label(row.key, lang, Source)) for row in rows]
        return {"as_of": as_of or services().app.now(), "by": result.by, "rows": rows}
