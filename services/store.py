"""The eventsourcing ``Application`` base: loading, saving, the unit of work.

Command handlers (in ``services/org.py``, ``accounts.py``, ``issues.py``,
``deadlines.py``) load aggregates with :meth:`_get`, let them decide, and hand
them to :meth:`_save`. ``save()`` is the unit of work: every aggregate a command
touched is written in one transaction or not at all. Inside
:meth:`unit_of_work` several commands share one transaction (bulk loads such
as the demo city and the ledger import use it).
"""

from __future__ import annotations

import functools
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, ParamSpec, TypeVar, cast
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import PersistenceError, RecordConflictError, Recording
from eventsourcing.utils import EnvType

from domain.campaign import campaign_id
from domain.clock import Clock, SystemClock, using
from domain.errors import AlreadyExists, InvalidInput, NotFound, StaleVersion
from domain.text import ascii_uuid
from domain.unit import Unit, unit_id
from domain.user import User
from services.outages import busy, is_contention
from services.retry_gate import OpenGate, RetryGate

if TYPE_CHECKING:
    from services.user_watch import UserWatch

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
P = ParamSpec("P")
App = TypeVar("App", bound="EventSourcedApp")

#: Attempts of one command that keeps losing races (services/outages.py),
#: with a pause drawn from [0, min(MAX, PAUSE * 2^n)] between them.
CONFLICT_RETRIES = 8
RETRY_PAUSE_S = 0.002
RETRY_PAUSE_MAX_S = 0.05
#: Attempts that each waited the whole lock timeout (SQLite 30 s, PostgreSQL
#: 10 s: services/database.py) before the command gives up.
LOCK_ATTEMPTS = 2
#: How long a unit's path read by this process is trusted (another process
#: may move the unit; this one forgets every path when it saves a unit).
UNIT_PATH_TRUST_SECONDS = 1.0


#: ``<campaign code>-<number>`` (domain.campaign.check_code, domain.issue.issue_code);
#: at most 18 digits, so that the number is always an int.
_ISSUE_CODE = re.compile(r"([A-Za-z0-9_-]{1,40})-([0-9]{1,18})", re.ASCII)


def resolve_issue_ref(ref: str | UUID) -> UUID:
    """An issue id (UUID) or code (``YC2023-0001``) to the issue's id."""
    if isinstance(ref, UUID):
        return ref
    ref = str(ref).strip()
    try:
        return ascii_uuid(ref)
    except ValueError:
        pass
    found = _ISSUE_CODE.fullmatch(ref)
    # Only ASCII digits name an issue's number: int() also reads "١" as 1
    # (another issue's name), and isdigit() passes "²", which int() refuses.
    # The number may be written without the code's zeros (YC2023-2).
    if found is None:
        raise NotFound(
            f"no issue {ref!r}: give an issue id or a code such as YC2023-0001",
            code="unknown_issue",
            params={"issue": ref},
        )
    return uuid5(campaign_id(found[1]), f"issue-{int(found[2])}")


def command(method: Callable[Concatenate[App, P], T]) -> Callable[Concatenate[App, P], T]:
    """Marks a command handler: the events it records take their timestamps
    from the application's clock (``domain/clock.py``), and a command that
    loses a race is run again on a fresh load (:meth:`EventSourcedApp._retrying`).

    Only the outermost command retries (a command calling another runs inside
    its attempt), and none inside :meth:`EventSourcedApp.unit_of_work`, whose
    one transaction is saved when the block ends."""

    @functools.wraps(method)
    def handler(self: App, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with using(self.clock):
            if getattr(self._local, "in_command", False) or self._pending is not None:
                return method(self, *args, **kwargs)
            self._local.in_command = True
            try:
                return self._retrying(lambda: method(self, *args, **kwargs))
            finally:
                self._local.in_command = False

    setattr(handler, "is_command", True)  # noqa: B010 (read by tests/unit/test_clock.py)
    return handler


def _name_in(what: str) -> str:
    """``"user 'li'"`` -> ``"li"``: the name in a ``what`` of :meth:`EventSourcedApp._get`."""
    return what.partition(" ")[2].strip("'") or what


class EventSourcedApp(Application[UUID]):
    """Infrastructure shared by the command handlers."""

    env: ClassVar[dict[str, str]] = {
        # Units, campaigns and users are read by nearly every command.
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        tz: ZoneInfo | None = None,
        clock: Clock | None = None,
        retry_gate: RetryGate | None = None,
    ) -> None:
        super().__init__(env)
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self.clock: Clock = clock or SystemClock()
        self._local = threading.local()
        self._retry_lock = threading.RLock()
        self._contended = 0  # commands of this process retrying after a lost race
        self.lost_races = 0  # attempts that lost a race, since start (tests and benchmarks read it)
        # Retrying attempts of every process on the database take turns here.
        self.retry_gate: RetryGate = retry_gate or OpenGate()
        self.saved_listeners: list[Callable[[int], None]] = []
        self._unit_paths: dict[str, tuple[float, tuple[str, ...]]] = {}
        # Set by the composition root on PostgreSQL (services/user_watch.py).
        self.user_watch: UserWatch | None = None

    # -- time -------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today's date in ``RECTIFY_TIMEZONE``, by the application's clock."""
        return self.clock.now().astimezone(self.tz).date()

    # -- unit of work -------------------------------------------------------------
    @property
    def _pending(self) -> dict[UUID, Aggregate] | None:
        return getattr(self._local, "pending", None)

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Commands inside share one transaction, saved when the block ends."""
        if self._pending is not None:
            yield
            return
        self._local.pending = {}
        try:
            yield
            pending = self._local.pending
        finally:
            self._local.pending = None
        if pending:
            self._commit(*pending.values())

    def _save(self, *aggregates: Aggregate) -> None:
        pending = self._pending
        if pending is not None:
            for a in aggregates:
                pending[a.id] = a
            return
        self._commit(*aggregates)

    def _commit(self, *aggregates: Aggregate) -> None:
        recordings = self.save(*aggregates)
        if any(isinstance(aggregate, Unit) for aggregate in aggregates):
            self._unit_paths.clear()
        if self.user_watch is not None:
            for aggregate in aggregates:
                if isinstance(aggregate, User):
                    self.user_watch.changed(aggregate.id)
        last = max((r.notification.id for r in recordings if r.notification.id), default=0)
        if last:
            for listener in self.saved_listeners:
                listener(last)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Records a unit of work's events in the order they happened, so that
        the log's order and its timestamps agree when one transaction holds the
        work of several commands (bulk loads, the demo). Each aggregate's own
        events keep their order (the sort is stable and is skipped if it would
        break it, e.g. after the wall clock was set back)."""
        events = processing_event.events
        if len(processing_event.aggregates) > 1:
            ordered = sorted(events, key=lambda e: cast(Any, e).timestamp)
            last: dict[UUID, int] = {}
            for e in ordered:
                if last.get(e.originator_id, 0) > e.originator_version:
                    break
                last[e.originator_id] = e.originator_version
            else:
                events[:] = ordered
        return super()._record(processing_event)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Runs a load-decide-save ``attempt`` until it is not beaten by a
        concurrent writer: a lost race on a version (``RecordConflictError``)
        or a lock not granted in time wrote nothing, so the attempt is run
        again, loading afresh and checking everything again (a stale
        ``If-Match`` is then 412, a transition taken meanwhile 409), after a
        short jittered pause. After :data:`CONFLICT_RETRIES` attempts the
        answer is ``Unavailable`` (503 with ``Retry-After``), never the
        conflict itself; after :data:`LOCK_ATTEMPTS` attempts that waited out
        the lock timeout, likewise. Any other error is not retried
        (services/outages.py).

        While some command of this process is retrying, this process's
        attempts run one at a time, and across processes at the retry gate
        (services/retry_gate.py), so that they stop beating each other (16
        threads reporting into one campaign needed up to 15 attempts
        without; see docs/reliability.md). Uncontended commands take no lock."""
        lost = locked = 0
        try:
            while True:
                try:
                    if lost or self._contended:
                        with self._retry_lock, self.retry_gate.hold():
                            return attempt()
                    return attempt()
                except RecordConflictError:
                    if self._pending is not None:
                        raise
                except PersistenceError as e:
                    if self._pending is not None or not is_contention(e):
                        raise
                    locked += 1
                lost += 1
                with self._retry_lock:
                    self.lost_races += 1
                    if lost == 1:
                        self._contended += 1
                if lost >= CONFLICT_RETRIES or locked >= LOCK_ATTEMPTS:
                    raise busy(lost)
                pause = min(RETRY_PAUSE_MAX_S, RETRY_PAUSE_S * 2 ** (lost - 1))
                time.sleep(random.uniform(0, pause))
        finally:
            if lost:
                with self._retry_lock:
                    self._contended -= 1

    @staticmethod
    def _check_version(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(expected_version, aggregate.version)

    # -- loading ------------------------------------------------------------------
    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        pending = self._pending
        if pending is not None and aggregate_id in pending:
            found = pending[aggregate_id]
        else:
            try:
                found = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
            if pending is not None:
                pending[aggregate_id] = found
        return found if isinstance(found, cls) else None

    def _peek(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """Like :meth:`_find`, for reading only: the cached aggregate itself,
        brought up to date but not copied. Never change what this returns."""
        pending = self._pending
        if pending is not None:
            return self._find(cls, aggregate_id)
        try:
            found: Aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, cls) else None

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        found = self._find(cls, aggregate_id)
        if found is None:
            raise NotFound(
                f"no {what}", code="no_such", params={"thing": cls.__name__.lower(), "name": _name_in(what)}
            )
        return found

    def _create(self, aggregate: A, what: str) -> A:
        if self._find(type(aggregate), aggregate.id) is not None:
            raise AlreadyExists(
                f"{what} already exists",
                code="name_taken",
                params={"thing": type(aggregate).__name__.lower(), "name": _name_in(what)},
            )
        return aggregate

    def _unit(self, code: str, field: str = "unit", *, allow_closed: Iterable[str] = ()) -> Unit:
        """A unit that takes new problems, assignments and accounts: it exists
        and is open (422 otherwise); ``allow_closed`` names units that may be
        closed because they are kept, not newly given."""
        unit = self._find(Unit, unit_id(code)) if code else None
        if unit is None:
            raise InvalidInput(
                f"no unit with code {code!r}", field, code="unknown_unit", params={"unit": code}
            )
        if unit.code not in allow_closed:
            unit.check_open(field)
        return unit

    def within(self, unit: str, ancestor: str) -> bool:
        """Whether ``unit`` is ``ancestor`` or below it in the org tree."""
        if unit == ancestor:
            return True
        now = time.monotonic()
        cached = self._unit_paths.get(unit)
        if cached is None or now - cached[0] > UNIT_PATH_TRUST_SECONDS:
            found = self._peek(Unit, unit_id(unit)) if unit else None
            if found is None:
                return False
            # A unit moves (Unit.Moved): this process forgets every path when
            # it saves a unit, and trusts a path another process may have
            # moved for at most UNIT_PATH_TRUST_SECONDS.
            cached = self._unit_paths[unit] = (now, tuple(found.path))
        return ancestor in cached[1]

    def events_of(self, aggregate_id: UUID, *, until: datetime | None = None) -> list[Any]:
        events: list[Any] = list(self.events.get(aggregate_id))
        if until is not None:
            events = [e for e in events if e.timestamp <= until]
        return events
