"""The summary documents the issue list is made of equal the API's ``IssueOut``.

A page of the list is joined from the ``rm_issues.summary`` documents the
projection writes (``services/read_model/rows.py``) instead of being dumped
by marshmallow on every read; here every demo problem's document is held
to what ``IssueOut`` makes of the aggregate itself, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import select

from services.bootstrap import Services
from services.demo import DemoCity
from services.read_model import tables as t
from services.read_model.rows import SUMMARY_FIELDS
from services.views import IssueView
from web.api.schemas import IssueOut


def test_every_summary_document_is_the_issue_out_of_its_aggregate(demo_services: Services) -> None:
    s = demo_services
    DemoCity(s, size=150, seed=11).load()
    s.projector.catch_up()
    with s.reader.connect() as conn:
        rows = conn.execute(select(t.issues.c.id, t.issues.c.summary)).all()
    assert len(rows) >= 150
    schema = IssueOut()
    assert tuple(schema.fields) == SUMMARY_FIELDS
    statuses = set()
    for issue_id, summary in rows:
        expected = schema.dump(IssueView.of(s.app.repository.get(UUID(issue_id))))
        assert json.loads(summary) == expected, issue_id
        statuses.add(expected["status"])
    # The demo plays a campaign through: documents of many states were compared.
    assert len(statuses) >= 4
