"""Queries over the read tables: issue lists, counts, org and account lists.

Every issue query is scoped to what the caller may see: :func:`visible`
turns the access table (``domain.access.VISIBILITY``) into a condition over
the current scope rows (``rm_issue_scope``) or over the state-history rows
(``rm_issue_states``, for ``as_of``), so lists, counts and ``as_of`` answers
share one rule. A ``unit`` filter and a scoped caller walk the scope table's
``(unit, reported_at, issue_id)`` index, which gives filter, order and page
at once; see tables.py and docs/benchmarks.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Text,
    and_,
    case,
    distinct,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.access import LIST_USERS, Scope, check_admin, visibility
from domain.actor import Actor
from domain.errors import InvalidInput
from domain.lifecycle import OPEN_STATUSES, Status
from services.read_model import tables as t
from services.read_model.search import search_key
from services.views import AssignmentView

MAX_PER_PAGE = 100

#: What a ``unit`` filter matches: the issue's location or any assignee, with its subtree.
ANY_RELATION = frozenset({Scope.LOCATED, Scope.ASSIGNED})

#: ``related(unit, relations)``: the issue has one of ``relations`` to ``unit``'s subtree.
Related = Callable[[str, frozenset[Scope]], ColumnElement[bool]]

# Built once: an alias's columns are costly to make (a millisecond a request).
_SCOPES = (t.issue_scope.alias("scope_0"), t.issue_scope.alias("scope_1"))
_VISIBLE_SCOPE = t.issue_scope.alias("visible_scope")


@dataclass(frozen=True)
class IssueFilter:
    status: str | None = None
    unit: str | None = None
    campaign: str | None = None
    aspect: str | None = None
    category: str | None = None
    source: str | None = None
    overdue: bool | None = None
    q: str | None = None
    page: int = 1
    per_page: int = 20
    #: One of :data:`SORTS`, "-" before it reverses it (the current list only; ``as_of`` keeps "reported").
    sort: str = "reported"


#: The orders of a list: newest reported first (the default, which the scope
#: index gives without sorting), soonest deadline first (problems without a
#: deadline last), by code (campaign, then number).
SORTS = ("reported", "deadline", "code")


@dataclass(frozen=True)
class IssueSummary:
    id: str
    code: str
    campaign: str
    title: str
    description: str
    source: str
    aspect: str
    category: str
    severity: str
    key: bool
    unit: str
    status: str
    lead: str | None
    assignments: tuple[AssignmentView, ...]
    deadline: date | None
    overdue: bool
    discovered_at: date
    reported_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Page:
    items: list[IssueSummary]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class Documents:
    """A page of problems as their summary documents (JSON text, each in
    the shape of :class:`IssueSummary`, instants and dates in ISO form)."""

    items: list[str]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class StatsRow:
    key: str
    name: str
    total: int = 0
    open: int = 0
    closed: int = 0
    rejected: int = 0
    overdue: int = 0
    closed_on_time: int = 0

    @property
    def closure_rate(self) -> float:
        """Closed among the problems that are not rejected."""
        valid = self.total - self.rejected
        return round(self.closed / valid, 4) if valid else 0.0

    @property
    def on_time_rate(self) -> float:
        """Closed on or before the deadline, among the closed."""
        return round(self.closed_on_time / self.closed, 4) if self.closed else 0.0


@dataclass(frozen=True)
class WeekFlow:
    """One week: the problems reported and those closed in it."""

    start: date  # its Monday
    opened: int = 0
    closed: int = 0


@dataclass(frozen=True)
class Stats:
    by: str
    rows: list[StatsRow] = field(default_factory=list)


_STATUSES = ", ".join(Status)


def visible(actor: Actor, related: Related) -> ColumnElement[bool] | None:
    """Who sees what (``domain.access.VISIBILITY``) as a SQL condition: None
    when the actor's role sees everything, false when it sees nothing, else
    the issue has one of the role's relations to the actor's unit subtree."""
    relations = visibility(actor.role)
    if Scope.EVERYTHING in relations:
        return None
    if not relations:
        return false()
    return related(actor.unit, relations)


def scope_related(scope: Any) -> Related:
    """Relations over ``rm_issue_scope`` (or an alias of it): the issue's row
    for the unit, with one of the relations' flags."""

    def related(unit: str, relations: frozenset[Scope]) -> ColumnElement[bool]:
        row: ColumnElement[bool] = scope.c.unit == unit
        if relations >= ANY_RELATION:
            return row  # every scope row has at least one of the flags
        return and_(row, or_(*(scope.c[r.value] for r in sorted(relations))))

    return related


def state_related(unit: str, relations: frozenset[Scope]) -> ColumnElement[bool]:
    """Relations over ``rm_issue_states``: the unit in the location's or the
    assignees' paths as they were in that stretch of time."""
    h = t.issue_states.c
    pattern = _has_unit(unit)
    return or_(*(h[r.value].like(pattern, escape="\\") for r in sorted(relations)))


def _visible_ids(actor: Actor, issue_id: Any) -> ColumnElement[bool] | None:
    """:func:`visible` as ``issue_id IN (the visible issues' ids)``."""
    scope = _VISIBLE_SCOPE
    condition = visible(actor, scope_related(scope))
    return None if condition is None else issue_id.in_(select(scope.c.issue_id).where(condition))


def _has_unit(code: str) -> str:
    """A LIKE pattern for a unit code inside a ``|A|B|C|`` path text."""
    return "%|" + code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "|%"


def _like(q: str) -> str:
    """A LIKE pattern for ``q`` anywhere (``q`` folded by ``search.search_key``,
    and matched against ``rm_issues.search``)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Queries:
    """Reads. ``before_read`` brings the projection up to date first, so a
    caller always reads its own writes."""

    def __init__(
        self,
        engine: Engine,
        before_read: Callable[..., None] | None = None,
        replay: Callable[[str, datetime], Any] | None = None,
    ) -> None:
        self.engine = engine
        # Called with the reading connection, or with none.
        self.before_read: Callable[..., None] = before_read or (lambda conn=None: None)
        # An issue's state at an instant, replayed from its events (for as_of lists).
        self.replay: Callable[[str, datetime], Any] = replay or (lambda issue_id, at: None)

    # -- issues ---------------------------------------------------------------------
    def _conditions(
        self, conn: Connection, f: IssueFilter, copied_on: Any
    ) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]], ColumnElement[bool] | None]:
        """The list's filters other than the scope (:meth:`_scoped`): those on
        the columns rm_issue_scope copies (status, overdue), asked of
        ``copied_on`` (the driving scope rows, or rm_issues), those on the rest
        of rm_issues, and among these the search's characters condition
        (PostgreSQL), which the page query may leave out."""
        i = t.issues.c
        copied: list[ColumnElement[bool]] = []
        where: list[ColumnElement[bool]] = []
        search_chars: ColumnElement[bool] | None = None
        postgres = conn.dialect.name == "postgresql"
        if f.status:
            statuses = [s.strip() for s in f.status.split(",") if s.strip()]
            bad = [s for s in statuses if s not in {x.value for x in Status}]
            if bad:
                raise InvalidInput(
                    f"unknown status {bad[0]!r}",
                    "status",
                    code="invalid_choice",
                    params={"allowed": _STATUSES},
                )
            copied.append(copied_on.c.status.in_(statuses))
        for name in ("campaign", "aspect", "category", "source"):
            value = getattr(f, name)
            if value:
                where.append(getattr(i, name) == value)
        if f.overdue is not None:
            copied.append(copied_on.c.overdue.is_(f.overdue))
        if f.q and f.q.strip():
            q = search_key(f.q.strip())
            if postgres:
                # Necessary for a match, and answered by the GIN index: every
                # character of q occurs in the title or the description.
                chars = func.rm_search_chars(i.search, type_=ARRAY(Text))
                search_chars = chars.contains(sorted(set(q)))
                where.append(search_chars)
            where.append(i.search.like(_like(q), escape="\\"))
        return copied, where, search_chars

    @staticmethod
    def _walk_for_page(conn: Connection, total: int, f: IssueFilter) -> bool:
        """PostgreSQL, a search: is the page found sooner walking the
        reported_at index (about ``end * rows / total`` rows until the page's
        last match) than through the characters index (all ``total`` matches,
        then sorted)? The exact total is known by now; the planner's own
        guess multiplies the selectivities of LIKE and of the characters as
        if they were independent and chooses the index for common words."""
        rows = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"), {"name": t.issues.name}
        ).scalar()
        end = f.page * f.per_page
        # reltuples is -1 (PostgreSQL 14+) or 0 before the first ANALYZE: keep the index then.
        return rows is not None and rows > 0 and end * float(rows) < total * total

    @staticmethod
    def _scoped(actor: Actor, f: IssueFilter) -> tuple[Any | None, list[ColumnElement[bool]]]:
        """The scope of a list: the ``unit`` filter (location or any assignee
        in that subtree) and what the caller may see (:func:`visible`). The
        first of them that restricts anything drives the query: its scope
        rows, walked in the order of ``(unit, reported_at, issue_id)``, give
        the page without sorting; the other is a semi-join on the same table.
        Returns the driving scope alias (None: nothing restricts, read
        rm_issues alone) and the conditions."""
        wanted: list[Callable[[Related], ColumnElement[bool] | None]] = []
        if f.unit:
            unit = f.unit
            wanted.append(lambda related: related(unit, ANY_RELATION))
        wanted.append(lambda related: visible(actor, related))
        drive: Any | None = None
        where: list[ColumnElement[bool]] = []
        for n, condition_on in enumerate(wanted):
            scope = _SCOPES[n]
            condition = condition_on(scope_related(scope))
            if condition is None:
                continue
            if drive is None:
                drive = scope
                where.append(condition)
            else:
                where.append(drive.c.issue_id.in_(select(scope.c.issue_id).where(condition)))
        return drive, where

    def list_issues(self, actor: Actor, f: IssueFilter, *, as_of: datetime | None = None) -> Page:
        """A page of the problems the caller may see, newest first (``as_of``:
        as they were at that instant)."""
        if as_of is not None:
            _check_paging(f)
            self.before_read()
            return self._list_as_of(actor, f, as_of)
        found = self.issue_documents(actor, f)
        items = [_summary_of(json.loads(d)) for d in found.items]
        return Page(items=items, total=found.total, page=found.page, per_page=found.per_page)

    def issue_documents(self, actor: Actor, f: IssueFilter) -> Documents:
        """The current page of :meth:`list_issues` as each problem's summary
        document (JSON text, ``rows.summary_document``): one round trip for
        the read-your-writes check, one for the page and its total."""
        _check_paging(f)
        drive, scoped = self._scoped(actor, f)
        if drive is None:
            source: Any = t.issues
            order = [t.issues.c.reported_at.desc(), t.issues.c.id.desc()]
        else:
            source = drive.join(t.issues, t.issues.c.id == drive.c.issue_id)
            order = [drive.c.reported_at.desc(), drive.c.issue_id.desc()]
        order = _order(f.sort, order)
        with self.engine.connect() as conn:
            self.before_read(conn)
            copied, where, search_chars = self._conditions(conn, f, t.issues if drive is None else drive)
            scoped += copied
            if search_chars is not None:
                # In a sequential scan PostgreSQL would compute every matching
                # row's characters for the redundant GIN condition (5 µs a row);
                # through the index it never does. A search that matches almost
                # everything costs about the same either way.
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            # A scoped count with no filter beyond the scope rows' own columns
            # needs those rows alone (an index-only scan).
            counted = drive if drive is not None and not where else source
            count = select(func.count()).select_from(counted).where(*scoped, *where)
            if search_chars is not None:
                total = conn.execute(count).scalar_one()
                if total and self._walk_for_page(conn, total, f):
                    where = [c for c in where if c is not search_chars]
                rows = conn.execute(self._page(source, scoped, where, order, f)).all()
            else:
                rows = conn.execute(
                    self._page(source, scoped, where, order, f).add_columns(count.scalar_subquery())
                ).all()
                # Past the last page there is no row to carry the total.
                total = rows[0][1] if rows else conn.execute(count).scalar_one()
        return Documents(items=[r[0] for r in rows], total=int(total), page=f.page, per_page=f.per_page)

    @staticmethod
    def _page(source: Any, scoped: list[Any], where: list[Any], order: list[Any], f: IssueFilter) -> Any:
        return (
            select(t.issues.c.summary)
            .select_from(source)
            .where(*scoped, *where)
            .order_by(*order)
            .limit(f.per_page)
            .offset((f.page - 1) * f.per_page)
        )

    # -- as of an instant: the state-history table ---------------------------------------
    def _conditions_as_of(self, actor: Actor, f: IssueFilter, as_of: datetime) -> list[ColumnElement[bool]]:
        h = t.issue_states.c
        where: list[ColumnElement[bool]] = [
            h.valid_from <= as_of,
            or_(h.valid_to.is_(None), h.valid_to > as_of),
        ]
        seen = visible(actor, state_related)
        if seen is not None:
            where.append(seen)
        if f.status:
            statuses = [x.strip() for x in f.status.split(",") if x.strip()]
            if any(x not in {st.value for st in Status} for x in statuses):
                raise InvalidInput(
                    "unknown status", "status", code="invalid_choice", params={"allowed": _STATUSES}
                )
            where.append(h.status.in_(statuses))
        if f.unit:
            where.append(state_related(f.unit, ANY_RELATION))
        for name in ("campaign", "aspect", "category", "source"):
            value = getattr(f, name)
            if value:
                where.append(getattr(h, name) == value)
        if f.overdue is not None:
            where.append(h.overdue.is_(f.overdue))
        if f.q and f.q.strip():
            where.append(t.issues.c.search.like(_like(search_key(f.q.strip())), escape="\\"))
        return where

    def _list_as_of(self, actor: Actor, f: IssueFilter, as_of: datetime) -> Page:
        """The list as it stood at ``as_of``: filtered on the state then, each
        item the issue's state then (replayed from its events)."""
        where = self._conditions_as_of(actor, f, as_of)
        joined = t.issue_states.join(t.issues, t.issues.c.id == t.issue_states.c.issue_id)
        i = t.issues.c
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
            ids = conn.execute(
                select(i.id)
                .select_from(joined)
                .where(*where)
                .order_by(i.reported_at.desc(), i.id.desc())
                .limit(f.per_page)
                .offset((f.page - 1) * f.per_page)
            ).scalars()
            page_ids = list(ids)
        items = [self.replay(issue_id, as_of) for issue_id in page_ids]
        return Page(items=items, total=int(total), page=f.page, per_page=f.per_page)

    def open_issue_ids(self, status: str = Status.ASSIGNED) -> list[str]:
        """Ids of issues in a status (the deadline job's candidates)."""
        self.before_read()
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.issues.c.id).where(t.issues.c.status == status)).scalars())

    # -- counts ------------------------------------------------------------------------
    def stats(
        self, actor: Actor, *, by: str = "unit", campaign: str | None = None, as_of: datetime | None = None
    ) -> Stats:
        if by not in ("unit", "aspect", "source"):
            raise InvalidInput(
                "by is one of unit, aspect, source",
                "by",
                code="invalid_choice",
                params={"allowed": "unit, aspect, source"},
            )
        self.before_read()
        if as_of is not None:
            return self._stats_as_of(actor, by, campaign, as_of)
        i = t.issues.c
        where: list[ColumnElement[bool]] = []
        seen = _visible_ids(actor, i.id)
        if seen is not None:
            where.append(seen)
        if campaign:
            where.append(i.campaign == campaign)
        counted = [
            i.status,
            i.overdue,
            and_(i.status == Status.CLOSED, i.closed_on_time.is_(True)).label("on_time"),
        ]
        with self.engine.connect() as conn:
            if by == "unit":
                names = self._root_children(conn)
                group_key: Any = t.issue_scope.c.unit
                query = (
                    select(group_key, *counted, func.count(distinct(i.id)))
                    .select_from(t.issue_scope.join(t.issues, t.issues.c.id == t.issue_scope.c.issue_id))
                    .where(group_key.in_(list(names)), *where)
                )
            else:
                group_key = getattr(i, by)
                names = self._names(conn, by, campaign)
                query = select(group_key, *counted, func.count()).where(*where)
            result = conn.execute(query.group_by(group_key, *counted[:2], counted[2])).all()
        return _tally(by, names, result)

    def _stats_as_of(self, actor: Actor, by: str, campaign: str | None, as_of: datetime) -> Stats:
        """The counts as they stood at ``as_of``, from the state-history table."""
        h = t.issue_states.c
        where = self._conditions_as_of(actor, IssueFilter(campaign=campaign), as_of)
        with self.engine.connect() as conn:
            names = self._root_children(conn) if by == "unit" else self._names(conn, by, campaign)
            rows = conn.execute(
                select(
                    h.status, h.overdue, h.closed_on_time, h.located, h.assigned, h.aspect, h.source
                ).where(*where)
            ).all()
        counts: dict[tuple[str, str, bool, bool], int] = {}
        for status, overdue, on_time, located, assigned, aspect, source in rows:
            if by == "unit":
                inside = set(located.strip("|").split("|")) | set(assigned.strip("|").split("|"))
                keys = [k for k in names if k in inside]
            else:
                keys = [aspect if by == "aspect" else source]
            on_time_closed = status == Status.CLOSED and bool(on_time)
            for key in keys:
                bucket = (key, status, bool(overdue), on_time_closed)
                counts[bucket] = counts.get(bucket, 0) + 1
        return _tally(by, names, [(*k, n) for k, n in counts.items()])

    def _root_children(self, conn: Any) -> dict[str, str]:
        root = conn.execute(select(t.units.c.code).where(t.units.c.parent.is_(None))).scalar()
        rows = conn.execute(
            select(t.units.c.code, t.units.c.name).where(t.units.c.parent == root).order_by(t.units.c.code)
        ).all()
        return {str(code): str(name) for code, name in rows}

    def _names(self, conn: Any, by: str, campaign: str | None) -> dict[str, str]:
        if by == "source":
            from domain.vocabulary import Source

            # Sources are codes: the web layer names them in the caller's language.
            return {s.value: s.value for s in Source}
        query = select(t.campaigns.c.aspects)
        if campaign:
            query = query.where(t.campaigns.c.code == campaign)
        names: dict[str, str] = {}
        for (aspects,) in conn.execute(query):
            for a in aspects:
                names.setdefault(a["code"], a["name"])
        return names

    # -- org and accounts ------------------------------------------------------------------
    def units(self, *, parent: str | None = None) -> list[dict[str, Any]]:
        self.before_read()
        query = select(t.units).order_by(t.units.c.depth, t.units.c.code)
        if parent:
            query = query.where(t.units.c.parent == parent)
        with self.engine.connect() as conn:
            # The table keeps the path as "/C/C01/" for prefix matching; callers get the codes.
            return [{**r, "path": r["path"].strip("/").split("/")} for r in conn.execute(query).mappings()]

    def users(self, actor: Actor, *, unit: str | None = None) -> list[dict[str, Any]]:
        """Every account (admins and leaders)."""
        check_admin(actor, LIST_USERS)
        self.before_read()
        query = select(t.users).order_by(t.users.c.username)
        if unit:
            query = query.where(t.users.c.unit == unit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def campaigns(self) -> list[dict[str, Any]]:
        self.before_read()
        with self.engine.connect() as conn:
            return [
                dict(r) for r in conn.execute(select(t.campaigns).order_by(t.campaigns.c.code)).mappings()
            ]

    def letters(self, *, unit: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        self.before_read()
        query = select(t.letters).order_by(t.letters.c.number)
        if unit:
            query = query.where(t.letters.c.unit == unit)
        if kind:
            query = query.where(t.letters.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def weekly_flow(
        self,
        actor: Actor,
        *,
        first_week: date,
        weeks: int,
        tz: Any,
        campaign: str | None = None,
        until: datetime | None = None,
    ) -> list[WeekFlow]:
        """Problems reported and closed in each of ``weeks`` weeks from the
        Monday ``first_week`` (days in ``tz``), among those the caller may see
        (now: who sees a problem follows its current place), up to ``until``."""
        i = t.issues.c
        bounds = [
            datetime.combine(first_week + timedelta(weeks=n), datetime.min.time(), tzinfo=tz)
            for n in range(weeks + 1)
        ]
        where: list[ColumnElement[bool]] = [or_(i.reported_at >= bounds[0], i.closed_at >= bounds[0])]
        seen = _visible_ids(actor, i.id)
        if seen is not None:
            where.append(seen)
        if campaign:
            where.append(i.campaign == campaign)

        def in_week(column: Any, n: int) -> Any:
            inside = [column >= bounds[n], column < bounds[n + 1]]
            if until is not None:
                inside.append(column <= until)
            return func.coalesce(func.sum(case((and_(*inside), 1), else_=0)), 0)

        # One pass over the window's rows: a reported and a closed count per week.
        counts = [in_week(column, n) for n in range(weeks) for column in (i.reported_at, i.closed_at)]
        self.before_read()
        with self.engine.connect() as conn:
            row = conn.execute(select(*counts).where(*where)).one()
        return [
            WeekFlow(first_week + timedelta(weeks=n), int(row[2 * n]), int(row[2 * n + 1]))
            for n in range(weeks)
        ]

    def count_issues(self) -> int:
        self.before_read()
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.issues)).scalar_one())


def _tally(by: str, names: dict[str, str], result: Any) -> Stats:
    """Rows of (key, status, overdue, closed on time, count) into stats rows."""
    tallies: dict[str, dict[str, int]] = {k: {} for k in names}
    for key, status, overdue, on_time, n in result:
        tally = tallies.setdefault(key, {})
        tally["total"] = tally.get("total", 0) + n
        bucket = "open" if status in OPEN_STATUSES else status
        tally[bucket] = tally.get(bucket, 0) + n
        if overdue:
            tally["overdue"] = tally.get("overdue", 0) + n
        if on_time:
            tally["closed_on_time"] = tally.get("closed_on_time", 0) + n
    rows = [StatsRow(key=k, name=names.get(k, k), **v) for k, v in tallies.items()]
    return Stats(by=by, rows=rows)


def _order(sort: str, newest_first: list[Any]) -> list[Any]:
    """The ORDER BY of a list sorted by ``sort`` (:data:`SORTS`, "-" reverses
    it); ``newest_first`` is the default order, on the driving scope rows
    when there are any. Ties keep the newest first."""
    reverse = sort.startswith("-")
    key = sort[1:] if reverse else sort
    if key not in SORTS:
        raise InvalidInput(
            f"sort is one of {', '.join(SORTS)}",
            "sort",
            code="invalid_choice",
            params={"allowed": ", ".join(SORTS)},
        )
    i = t.issues.c
    if key == "reported":
        return [i.reported_at.asc(), i.id.asc()] if reverse else newest_first
    if key == "deadline":
        first: list[Any] = [i.deadline.is_(None).asc(), i.deadline.desc() if reverse else i.deadline.asc()]
    else:
        first = [c.desc() if reverse else c.asc() for c in (i.campaign, i.number)]
    return [*first, i.reported_at.desc(), i.id.desc()]


def _check_paging(f: IssueFilter) -> None:
    if f.page < 1:
        raise InvalidInput("page starts at 1", "page", code="too_small", params={"min": 1})
    if not 1 <= f.per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            f"per_page is between 1 and {MAX_PER_PAGE}",
            "per_page",
            code="out_of_range",
            params={"min": 1, "max": MAX_PER_PAGE},
        )


def _summary_of(d: dict[str, Any]) -> IssueSummary:
    """A summary document read back into its typed value."""
    return IssueSummary(
        **{
            **d,
            "assignments": tuple(
                AssignmentView(
                    a["unit"], a["role"], date.fromisoformat(a["deadline"]), a["overdue"], a["warned"]
                )
                for a in d["assignments"]
            ),
            "deadline": date.fromisoformat(d["deadline"]) if d["deadline"] else None,
            "discovered_at": date.fromisoformat(d["discovered_at"]),
            "reported_at": datetime.fromisoformat(d["reported_at"]),
            "closed_at": datetime.fromisoformat(d["closed_at"]) if d["closed_at"] else None,
            "updated_at": datetime.fromisoformat(d["updated_at"]),
        }
    )
