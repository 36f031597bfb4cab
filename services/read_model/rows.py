"""How aggregate state becomes read-table rows, written once per batch."""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from typing import Any

import psycopg
from eventsourcing.domain import Aggregate
from sqlalchemy import JSON, Connection, bindparam, delete, insert, select, update

from domain.campaign import Campaign, campaign_id
from domain.issue import Issue
from domain.letter import LetterBook
from domain.taxonomy import aspect_added, aspect_changed, category_added, category_changed
from domain.unit import Unit
from domain.user import User
from services.read_model import tables as t
from services.read_model.search import searchable


def closed_on_time(issue: Issue, tz: tzinfo) -> bool:
    """Closed (销号) on or before the lead unit's deadline, as a local date."""
    if issue.closed_at is None or issue.deadline is None:
        return False
    return issue.closed_at.astimezone(tz).date() <= issue.deadline


#: The fields of a problem in a list (the API's ``IssueOut``), in its order.
SUMMARY_FIELDS = (
    "id",
    "code",
    "campaign",
    "title",
    "description",
    "source",
    "aspect",
    "category",
    "severity",
    "key",
    "unit",
    "status",
    "assignments",
    "lead",
    "deadline",
    "overdue",
    "discovered_at",
    "reported_at",
    "closed_at",
    "updated_at",
    "version",
)


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetimes too: each keeps its own offset, as in the API
        return value.isoformat()
    return value


def summary_document(row: dict[str, Any]) -> str:
    """A problem as a list shows it, as JSON text: what a page of the list
    is made of, without building and serialising each item again on every
    read. Instants and dates in ISO form, as the API writes them."""
    return json.dumps({k: _plain(row[k]) for k in SUMMARY_FIELDS}, ensure_ascii=False, separators=(",", ":"))


def issue_row(issue: Issue, tz: tzinfo) -> dict[str, Any]:
    row = _issue_columns(issue, tz)
    row["summary"] = summary_document(row)
    row["search"] = searchable(issue.title, issue.description)
    return row


def _issue_columns(issue: Issue, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": str(issue.id),
        "code": issue.code,
        "campaign": issue.campaign,
        "number": issue.number,
        "title": issue.title,
        "description": issue.description,
        "source": issue.source,
        "aspect": issue.aspect,
        "category": issue.category,
        "severity": issue.severity,
        "key": issue.key,
        "unit": issue.unit,
        "status": str(issue.status),
        "lead": issue.lead,
        "assignments": [
            {**a.as_record(), "overdue": issue.is_overdue(a), "warned": issue.is_warned(a)}
            for a in issue.assignments
        ],
        "deadline": issue.deadline,
        "overdue": issue.overdue,
        "closed_on_time": closed_on_time(issue, tz),
        "discovered_at": issue.discovered_at,
        "reported_at": issue.created_on,
        "closed_at": issue.closed_at,
        "updated_at": issue.modified_on,
        "version": issue.version,
        "reporter": issue.reported_by.get("username", ""),
        "letters": len(issue.letters),
        "evidence": len(issue.evidence),
    }


def unit_row(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent,
        "path": "/" + "/".join(unit.path) + "/",
        "depth": len(unit.path),
        "active": unit.active,
    }


def campaign_row(started: Campaign.Started) -> dict[str, Any]:
    return {
        "code": started.code,
        "name": started.name,
        "deadline": date.fromisoformat(started.deadline),
        "aspects": started.aspects,
    }


#: How each admin event of a campaign changes its row (the domain's own rules
#: for the taxonomy: ``domain/taxonomy.py``). Numbering events are not projected.
CAMPAIGN_CHANGES: dict[type[Any], Any] = {
    Campaign.Renamed: lambda row, e: {**row, "name": e.name},
    Campaign.DeadlineChanged: lambda row, e: {**row, "deadline": date.fromisoformat(e.deadline)},
    Campaign.AspectAdded: lambda row, e: {
        **row,
        "aspects": aspect_added(row["aspects"], e.code, e.name, e.categories),
    },
    Campaign.AspectRenamed: lambda row, e: {
        **row,
        "aspects": aspect_changed(row["aspects"], e.code, name=e.name),
    },
    Campaign.AspectRetired: lambda row, e: {
        **row,
        "aspects": aspect_changed(row["aspects"], e.code, retired=True),
    },
    Campaign.AspectRestored: lambda row, e: {
        **row,
        "aspects": aspect_changed(row["aspects"], e.code, retired=False),
    },
    Campaign.CategoryAdded: lambda row, e: {
        **row,
        "aspects": category_added(row["aspects"], e.aspect, e.code, e.name),
    },
    Campaign.CategoryRenamed: lambda row, e: {
        **row,
        "aspects": category_changed(row["aspects"], e.code, name=e.name),
    },
    Campaign.CategoryRetired: lambda row, e: {
        **row,
        "aspects": category_changed(row["aspects"], e.code, retired=True),
    },
    Campaign.CategoryRestored: lambda row, e: {
        **row,
        "aspects": category_changed(row["aspects"], e.code, retired=False),
    },
}


def user_row(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "id": str(u.id),
        "name": u.name,
        "role": str(u.role),
        "unit": u.unit,
        "active": u.active,
    }


def unit_path_row(unit: Unit) -> dict[str, Any]:
    """The issue projection's copy of a unit's place in the tree."""
    return {"code": unit.code, "path": unit_row(unit)["path"]}


class RowWriter:
    """The issue projection's rows: collects the issues (and units, for their
    paths) a batch changed, and the letters it issued, then writes their rows."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._paths: dict[str, tuple[str, ...]] = {}
        self._reset()

    def _reset(self) -> None:
        self._issues: dict[Any, Issue] = {}
        self._units: dict[Any, Unit] = {}
        self._letters: list[dict[str, Any]] = []
        self._units_changed_at: dict[str, datetime] = {}  # units that may have moved
        self._created: set[Any] = set()  # aggregates born in this batch: no old row
        self._transitions: dict[Any, list[tuple[datetime, Any, str]]] = {}

    def forget(self) -> None:
        self._paths.clear()
        self._reset()

    def forget_paths(self) -> None:
        """Unit paths change when a unit moves: re-read them from the rows."""
        self._paths.clear()

    def begin(self, conn: Connection) -> None:
        self._reset()

    def state_key(self, aggregate: Aggregate | None) -> tuple[Any, ...] | None:
        """What lists and counts filter on; a new history row when it changes."""
        if not isinstance(aggregate, Issue):
            return None
        return (
            str(aggregate.status),
            aggregate.overdue,
            closed_on_time(aggregate, self.tz),
            aggregate.aspect,
            aggregate.category,
            aggregate.assigned_units,
        )

    def changed(
        self,
        aggregate: Aggregate,
        *,
        created: bool = False,
        before: tuple[Any, ...] | None = None,
        at: datetime | None = None,
    ) -> None:
        if created:
            self._created.add(aggregate.id)
        if isinstance(aggregate, Issue):
            self._issues[aggregate.id] = aggregate
            after = self.state_key(aggregate)
            if after != before and at is not None:
                self._transitions.setdefault(aggregate.id, []).append((at, after, aggregate.unit))
        elif isinstance(aggregate, Unit):
            self._units[aggregate.id] = aggregate
            self._paths[aggregate.code] = tuple(aggregate.path)
            if not created and at is not None:
                self._units_changed_at[aggregate.code] = at

    def event(self, event: Any) -> None:
        """Rows made from one event rather than from an aggregate's state."""
        if isinstance(event, LetterBook.LetterIssued):
            self._letters.append(
                {
                    "number": event.number,
                    "kind": event.kind,
                    "doc_no": event.doc_no,
                    "unit": event.unit,
                    "issued_on": date.fromisoformat(event.issued_on),
                    "respond_by": date.fromisoformat(event.respond_by) if event.respond_by else None,
                    "subject": event.subject,
                    "issues": list(event.issues),
                }
            )

    def _path(self, conn: Connection, code: str) -> tuple[str, ...]:
        path = self._paths.get(code)
        if path is None:
            u = t.issue_units
            stored = conn.execute(select(u.c.path).where(u.c.code == code)).scalar()
            path = tuple(p for p in (stored or f"/{code}/").split("/") if p)
            self._paths[code] = path
        return path

    def _scope_rows(self, conn: Connection, issue: Issue) -> list[dict[str, Any]]:
        return self._scope_rows_of(
            conn,
            str(issue.id),
            issue.unit,
            issue.assigned_units,
            reported_at=issue.created_on,
            status=str(issue.status),
            overdue=issue.overdue,
        )

    def _scope_rows_of(
        self,
        conn: Connection,
        issue_id: str,
        location: str,
        assigned_units: Any,
        *,
        reported_at: datetime,
        status: str,
        overdue: bool,
    ) -> list[dict[str, Any]]:
        """One row per unit the issue is located in or assigned to (with their
        ancestors), carrying what the list filters and orders by."""
        located = set(self._path(conn, location))
        assigned = {u for unit in assigned_units for u in self._path(conn, unit)}
        return [
            {
                "issue_id": issue_id,
                "unit": u,
                "located": u in located,
                "assigned": u in assigned,
                "reported_at": reported_at,
                "status": status,
                "overdue": overdue,
            }
            for u in sorted(located | assigned)
        ]

    def flush(self, conn: Connection) -> None:
        moved = self._moved_units(conn)
        rows = [unit_path_row(u) for u in self._units.values()]
        self._replace(conn, t.issue_units, t.issue_units.c.code, rows)
        if self._issues:
            ids = [str(i) for i in self._issues if i not in self._created]
            rows = [issue_row(i, self.tz) for i in self._issues.values()]
            scope = [r for i in self._issues.values() for r in self._scope_rows(conn, i)]
            for chunk in _chunks(ids):
                conn.execute(delete(t.issue_scope).where(t.issue_scope.c.issue_id.in_(chunk)))
                conn.execute(delete(t.issues).where(t.issues.c.id.in_(chunk)))
            _insert_many(conn, t.issues, rows)
            _insert_many(conn, t.issue_scope, scope)
        self._flush_states(conn)
        self._rescope(conn, moved)
        _insert_many(conn, t.letters, self._letters)
        self._reset()

    # -- units that moved ----------------------------------------------------------------
    def _moved_units(self, conn: Connection) -> dict[str, datetime]:
        """The units of this batch whose path differs from this projection's
        own row of it (``rm_issue_units``): moved."""
        if not self._units_changed_at:
            return {}
        u = t.issue_units.c
        codes = list(self._units_changed_at)
        moved: dict[str, datetime] = {}
        for chunk in _chunks(codes):
            for code, path in conn.execute(select(u.code, u.path).where(u.code.in_(chunk))):
                if path != "/" + "/".join(self._paths[code]) + "/":
                    moved[code] = self._units_changed_at[code]
        return moved

    def _rescope(self, conn: Connection, moved: dict[str, datetime]) -> None:
        """After units moved, the scope rows of the problems located in or
        assigned to their subtrees follow the new tree, and their state
        history starts a new stretch at the move (an ``as_of`` before it
        answers with the tree as it was)."""
        if not moved:
            return
        s = t.issue_scope.c
        affected: set[str] = set()
        for chunk in _chunks(list(moved)):
            affected.update(conn.execute(select(s.issue_id).where(s.unit.in_(chunk)).distinct()).scalars())
        affected -= {str(i) for i in self._issues}
        if not affected:
            return
        at = max(moved.values())
        i = t.issues.c
        h = t.issue_states
        scope: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(affected)):
            issues = conn.execute(
                select(i.id, i.unit, i.assignments, i.reported_at, i.status, i.overdue).where(i.id.in_(chunk))
            ).all()
            current = {
                r["issue_id"]: dict(r)
                for r in conn.execute(
                    select(h).where(h.c.issue_id.in_(chunk), h.c.valid_to.is_(None))
                ).mappings()
            }
            for issue_id, location, assignments, reported_at, status, overdue in issues:
                assigned = [a["unit"] for a in assignments]
                scope.extend(
                    self._scope_rows_of(
                        conn,
                        issue_id,
                        location,
                        assigned,
                        reported_at=reported_at,
                        status=status,
                        overdue=overdue,
                    )
                )
                row = current.get(issue_id)
                if row is not None:
                    states.append(
                        {
                            **row,
                            "valid_from": at,
                            "located": self._scope_text(conn, [location]),
                            "assigned": self._scope_text(conn, assigned),
                        }
                    )
            conn.execute(delete(t.issue_scope).where(s.issue_id.in_(chunk)))
            conn.execute(update(h).where(h.c.issue_id.in_(chunk), h.c.valid_to.is_(None)).values(valid_to=at))
        _insert_many(conn, t.issue_scope, scope)
        _insert_many(conn, h, states)

    def _scope_text(self, conn: Connection, units: Any) -> str:
        codes = dict.fromkeys(code for unit in units for code in self._path(conn, unit))
        return "|" + "|".join(codes) + "|" if codes else ""

    def _flush_states(self, conn: Connection) -> None:
        if not self._transitions:
            return
        closing = [
            {"b_id": str(issue_id), "b_at": changes[0][0]}
            for issue_id, changes in self._transitions.items()
            if issue_id not in self._created
        ]
        if closing:
            s = t.issue_states
            conn.execute(
                update(s)
                .where(s.c.issue_id == bindparam("b_id"), s.c.valid_to.is_(None))
                .values(valid_to=bindparam("b_at")),
                closing,
            )
        rows = []
        for issue_id, changes in self._transitions.items():
            issue = self._issues[issue_id]
            for n, (at, key, location) in enumerate(changes):
                status, overdue, on_time, aspect, category, assignees = key
                rows.append(
                    {
                        "issue_id": str(issue_id),
                        "valid_from": at,
                        "valid_to": changes[n + 1][0] if n + 1 < len(changes) else None,
                        "campaign": issue.campaign,
                        "source": issue.source,
                        "aspect": aspect,
                        "category": category,
                        "status": status,
                        "overdue": overdue,
                        "closed_on_time": on_time,
                        "located": self._scope_text(conn, [location]),
                        "assigned": self._scope_text(conn, assignees),
                    }
                )
        _insert_many(conn, t.issue_states, rows)

    @staticmethod
    def _replace(conn: Connection, table: Any, key: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = [r[key.name] for r in rows]
        for chunk in _chunks(keys):
            conn.execute(delete(table).where(key.in_(chunk)))
        _insert_many(conn, table, rows)


class OrgRowWriter:
    """The org projection's rows: units, users and campaigns."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._units: dict[Any, Unit] = {}
        self._users: dict[Any, User] = {}
        self._campaigns: dict[Any, dict[str, Any]] = {}
        self._campaign_changes: list[Any] = []

    def forget(self) -> None:
        self._reset()

    def changed(self, aggregate: Aggregate) -> None:
        if isinstance(aggregate, Unit):
            self._units[aggregate.id] = aggregate
        elif isinstance(aggregate, User):
            self._users[aggregate.id] = aggregate

    def event(self, event: Any) -> None:
        """Rows made from one event rather than from an aggregate's state."""
        if isinstance(event, Campaign.Started):
            self._campaigns[event.originator_id] = campaign_row(event)
        elif type(event) in CAMPAIGN_CHANGES:
            self._campaign_changes.append(event)

    def flush(self, conn: Connection) -> None:
        replace = RowWriter._replace
        replace(conn, t.units, t.units.c.code, [unit_row(u) for u in self._units.values()])
        self._apply_campaign_changes(conn)
        replace(conn, t.campaigns, t.campaigns.c.code, list(self._campaigns.values()))
        replace(conn, t.users, t.users.c.username, [user_row(u) for u in self._users.values()])
        self._reset()

    def _apply_campaign_changes(self, conn: Connection) -> None:
        """Each admin change of a campaign, in log order, onto its row (from
        this batch, or else as stored)."""
        for event in self._campaign_changes:
            row = self._campaigns.get(event.originator_id)
            if row is None:
                stored = conn.execute(select(t.campaigns)).mappings()
                found = [dict(r) for r in stored if campaign_id(r["code"]) == event.originator_id]
                if not found:
                    continue
                row = found[0]
            self._campaigns[event.originator_id] = CAMPAIGN_CHANGES[type(event)](row, event)


def _insert_many(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL takes bulk rows by COPY (several times faster than an
    executemany of INSERTs, see docs/benchmarks.md); SQLite by executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    dbapi = conn.connection.dbapi_connection
    assert isinstance(dbapi, psycopg.Connection)
    columns = ", ".join(f'"{n}"' for n in names)
    with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[n], ensure_ascii=False) if n in json_columns else row[n] for n in names]
            )


def _chunks(items: list[Any], size: int = 500) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
