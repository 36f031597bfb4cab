"""Read tables. Each is written by exactly one projection
(:mod:`services.read_model.issue_projection`, :mod:`.org_projection`), which
names its tables in ``tables``.

Migration path: the tables hold nothing that is not derived from the event
log, so a schema change bumps the ``version`` of the projection that owns the
table; ``rectify init`` then drops, creates and projects again that
projection's tables alone (``rectify project NAME --rebuild`` rebuilds one by
hand). No alembic migrations are needed for read tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and gives them back time-zone aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

#: One row per projection: how far into the event log it has projected, and
#: the schema version of the tables it wrote.
projections = Table(
    "rm_projections",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
)

#: The tables of the single projector before projections had names; dropped
#: by ``rectify init`` (their projections are then rebuilt from the log).
LEGACY_TABLES = ("rm_tracking", "rm_meta")

issues = Table(
    "rm_issues",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("campaign", String(40), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("source", String(20), nullable=False),
    Column("aspect", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("key", Boolean, nullable=False),
    Column("unit", String(40), nullable=False),
    Column("status", String(10), nullable=False),
    Column("lead", String(40)),
    Column("assignments", JSON, nullable=False),
    Column("deadline", Date),
    Column("overdue", Boolean, nullable=False),
    Column("closed_on_time", Boolean, nullable=False),
    Column("discovered_at", Date, nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("reporter", String(40), nullable=False),
    Column("letters", Integer, nullable=False),
    Column("evidence", Integer, nullable=False),
    # The problem as a list shows it (``rows.summary_document``), written with
    # the row so that a page of the list is read, not built (docs/benchmarks.md).
    Column("summary", Text, nullable=False),
    # What ``q=`` searches: title and description folded (``search.py``).
    Column("search", Text, nullable=False),
    Index("ix_rm_issues_reported", "reported_at", "id"),
    Index("ix_rm_issues_campaign_number", "campaign", "number"),
    Index("ix_rm_issues_status", "status"),
    Index("ix_rm_issues_aspect", "aspect", "category"),
    Index("ix_rm_issues_overdue", "overdue"),
)

# PostgreSQL only: a function of a row and a GIN index over it, so that a
# search filters inside rm_issues instead of scanning every text.
#   rm_search_chars(search): the characters of the folded title and
#     description; every character of a (folded) search text must be among
#     them, a necessary condition that the index answers (LIKE still decides).
# GIN's pending list (fastupdate) is scanned whole by every search, and
# without VACUUM it only empties when full: at the default 4 MB a search
# took 150 ms. A small list keeps that to a few ms and still lets the
# projector insert keys in batches. (Scopes and unit filters use
# rm_issue_scope, on both databases.)
ISSUE_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION rm_search_chars(search text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT string_to_array(search, NULL) $$",
)
ISSUE_GIN_INDEXES = (
    "CREATE INDEX ix_rm_issues_chars ON rm_issues "
    "USING gin (rm_search_chars(search)) WITH (gin_pending_list_limit = 1024)",
)
# Lists read rm_issues once or twice per request, concurrently: parallel
# workers only add processes competing for the same cores (on 2 cores a
# scoped count took 14 ms median, 28 ms p95 with them, 7 and 10 without).
ISSUE_TABLE_OPTIONS = ("ALTER TABLE rm_issues SET (parallel_workers = 0)",)
for _ddl in ISSUE_FUNCTIONS:
    event.listen(issues, "before_create", DDL(_ddl).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]
for _ddl in ISSUE_GIN_INDEXES + ISSUE_TABLE_OPTIONS:
    event.listen(issues, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]

# One row per issue and unit whose subtree the issue is related to: the
# location's unit and each of its ancestors ("located"), each assigned unit
# and each of its ancestors ("assigned"); the flags say which (both for a
# unit that is an ancestor of both). A subtree filter or a visibility scope
# is then one indexed equality, and ``reported_at`` (the issue's) lets the
# index give a unit's issues in list order: filter, ORDER BY and LIMIT from
# one index walk (queries.py). The issue's status and overdue flag, copied
# here, let the commonest filters of a scoped list be counted from the index
# alone.
issue_scope = Table(
    "rm_issue_scope",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    Column("unit", String(40), primary_key=True),
    Column("located", Boolean, nullable=False),
    Column("assigned", Boolean, nullable=False),
    Column("reported_at", UTCDateTime(), nullable=False),
    Column("status", String(10), nullable=False),
    Column("overdue", Boolean, nullable=False),
    Index(
        "ix_rm_issue_scope_unit",
        "unit",
        "reported_at",
        "issue_id",
        "located",
        "assigned",
        "status",
        "overdue",
    ),
)

# The filterable state of each issue over time: one row per stretch during
# which status, overdue flag, classification or assignees stayed the same.
# Lists and counts "as of" an instant read the rows valid at that instant.
issue_states = Table(
    "rm_issue_states",
    metadata,
    Column("issue_id", String(36), nullable=False),
    Column("valid_from", UTCDateTime(), nullable=False),
    Column("valid_to", UTCDateTime()),
    Column("campaign", String(40), nullable=False),
    Column("source", String(20), nullable=False),
    Column("aspect", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("status", String(10), nullable=False),
    Column("overdue", Boolean, nullable=False),
    Column("closed_on_time", Boolean, nullable=False),
    Column("located", Text, nullable=False),  # "|C|C01|C01T1|C01T1V1|": the location's path
    Column("assigned", Text, nullable=False),  # the assignees' paths, likewise
    Index("ix_rm_issue_states_open", "issue_id", "valid_to"),
    Index("ix_rm_issue_states_from", "valid_from"),
)

units = Table(
    "rm_units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent", String(40)),
    Column("path", Text, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Index("ix_rm_units_parent", "parent"),
)

campaigns = Table(
    "rm_campaigns",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("aspects", JSON, nullable=False),
)

users = Table(
    "rm_users",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("id", String(36), nullable=False),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
)

letters = Table(
    "rm_letters",
    metadata,
    Column("number", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("doc_no", String(80), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("respond_by", Date),
    Column("subject", Text, nullable=False),
    Column("issues", JSON, nullable=False),
    Index("ix_rm_letters_unit", "unit", "kind"),
)

# The issue projection's own copy of each unit's place in the org tree, for
# the scope rows: the org projection's rm_units may be at another position.
issue_units = Table(
    "rm_issue_units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("path", Text, nullable=False),
)
