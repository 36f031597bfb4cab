"""Builds the demo city through the application's own commands, played over
months on the application's clock.

The campaign starts ``SPAN`` before the clock's end (the wall clock when the
demo runs): the office sets up units, users and the campaign, problems are
reported over the months that follow (most in the first weeks, as an
assessment's feedback arrives), and each problem lives its life step by step:
triage, assignment with a deadline, progress notes, extension requests,
evidence, submission, verification, sometimes a reopening. A scheduler plays
all lives in time order on a :class:`ManualClock`, and the deadline job runs
every simulated morning, so warnings, missed deadlines and supervision letters
fall on the days they would have. Events are recorded in log order with time
moving forward, so ``as_of``, trends and past bulletins have a history to show.

Deterministic for a given seed and end. Steps are saved in chunks, each one
unit of work (one transaction), so ``--size 100000`` stays fast while every
fact still passes through the aggregates' rules.
"""

from __future__ import annotations

import heapq
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from domain.actor import Actor, system_actor
from domain.clock import SystemClock
from domain.labels import label
from domain.vocabulary import Source
from services.bootstrap import Services, build
from services.clock import ManualClock
from services.deadlines import DeadlineFindings
from services.demo import data
from services.files import FileStore
from services.passwords import hash_password
from services.settings import Settings

PASSWORD = "rectify-demo"
CAMPAIGN = "YC2023"
#: Steps saved per transaction.
CHUNK = 2000
#: How long the demo campaign has been running when the demo ends.
SPAN = timedelta(days=180)
#: Local time of the simulated daily deadline job.
SWEEP_AT = time(1, 0)

# How the problems end up, in percent (the rest stay assigned, i.e. 整改中).
# Problems reported late in the span may not have got that far yet.
OUTCOMES = [
    ("reported", 7),
    ("rejected", 3),
    ("duplicate", 1),
    ("submitted", 12),
    ("closed", 40),
    ("reopened", 3),
    ("returned", 6),
    ("assigned", 28),
]

Life = Iterator[timedelta]

#: Who else may sign in, beside the logins the demo prints.
LOGIN_PATTERN = (
    "every county, township, department and workgroup has a handler h-<code>, every county a "
    "reviewer r-<code>, every township a clerk c-<code> (unit codes in lower case, e.g. h-yh01); "
    f"inspector1..inspector3; all share the password {PASSWORD}"
)


def demo_clock(end: datetime | None = None) -> ManualClock:
    """A clock for the demo: it starts ``SPAN`` before ``end`` (default: now)."""
    return ManualClock((end or SystemClock().now()) - SPAN)


def play_demo(
    settings: Settings,
    *,
    size: int = 1000,
    seed: int = 2023,
    end: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[str, str, str]]:
    """Plays the demo into the store of ``settings`` on its own clock, ending at
    ``end`` (default: now); returns the logins.

    The demo is the only writer of an empty store, so its application keeps
    every aggregate it made in its cache and never asks the store whether one
    has changed (no fast-forward): a problem's steps lie months apart in the
    log, in other transactions, and would otherwise each read it back."""
    cache = {"AGGREGATE_CACHE_MAXSIZE": str(size + 20_000), "AGGREGATE_CACHE_FASTFORWARD": "n"}
    settings = replace(settings, eventsourcing_env={**settings.eventsourcing_env, **cache})
    services = build(settings, clock=demo_clock(end))
    try:
        services.init()
        return DemoCity(services, size=size, seed=seed).load(progress)
    finally:
        services.close()


def days(lo: float, hi: float, rng: random.Random) -> timedelta:
    return timedelta(days=rng.uniform(lo, hi))


@dataclass
class Org:
    townships: dict[str, list[str]] = field(default_factory=dict)  # county -> townships
    villages: dict[str, list[str]] = field(default_factory=dict)  # township -> villages
    names: dict[str, str] = field(default_factory=dict)
    county_of: dict[str, str] = field(default_factory=dict)


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A tiny valid PNG (8x8, one colour) to stand for a site photo."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes(rgb) * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class DemoCity:
    """Plays the demo on ``services``, which must be built with a
    :class:`ManualClock` (``build(settings, clock=demo_clock())``)."""

    def __init__(self, services: Services, *, size: int = 1000, seed: int = 2023) -> None:
        clock = services.app.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("the demo plays on a ManualClock: build(settings, clock=demo_clock())")
        self.s = services
        self.app = services.app
        self.clock = clock
        self.start = clock.now()
        self.end = self.start + SPAN
        self.size = size
        self.rng = random.Random(seed)
        self.org = Org()
        self.actors: dict[str, Actor] = {}
        self.handlers: dict[str, Actor] = {}  # unit -> handler
        self.reviewers: dict[str, Actor] = {}  # county -> reviewer
        self.clerks: dict[str, Actor] = {}  # township -> clerk
        self.kept: list[str] = []  # problems not rejected: originals for duplicates
        # Days on which the deadline job has something to look at, per issue.
        self.checks: dict[date, set[str]] = {}
        self.findings = DeadlineFindings()
        self.files = FileStore(services.settings.data_dir / "evidence")
        self.photos = [
            self.files.put(_png(rgb), name=f"现场照片{n}.png", content_type="image/png")
            for n, rgb in enumerate([(200, 60, 40), (40, 160, 80), (60, 90, 200)], 1)
        ]

    @property
    def today(self) -> date:
        return self.app.today()

    # -- the whole load ---------------------------------------------------------------
    def load(self, progress: Callable[[int], None] | None = None) -> list[tuple[str, str, str]]:
        self._build_org()
        self.clock.advance(timedelta(hours=2))
        self._build_users()
        self.clock.advance(timedelta(days=1))
        self._start_campaign()
        self._play(progress)
        return self.logins()

    def _report_times(self) -> list[datetime]:
        """Most problems arrive in the first weeks (the assessment's feedback),
        the rest from inspections and self-checks over the months after."""
        rng = self.rng
        first = self.start + timedelta(days=2)
        times = [
            first + (days(0, 21, rng) if rng.random() < 0.6 else days(21, SPAN.days - 10, rng))
            for _ in range(self.size)
        ]
        return sorted(times)

    def _play(self, progress: Callable[[int], None] | None) -> None:
        """All lives in time order; the deadline job each simulated morning."""
        queue: list[tuple[datetime, int, Life]] = []
        for n, at in enumerate(self._report_times()):
            heapq.heappush(queue, (at, n, self._life()))
        reported = steps = 0
        next_sweep = self._sweep_instant(self.today + timedelta(days=1))
        chunk = self.app.unit_of_work()
        chunk.__enter__()
        try:
            while queue:
                at, n, life = heapq.heappop(queue)
                if at >= self.end:
                    continue  # this step would lie in the future: the life stops here
                while next_sweep <= at:
                    self.clock.set(next_sweep)
                    self._sweep(self.today)
                    next_sweep = self._sweep_instant(self.today + timedelta(days=1))
                self.clock.set(at)
                first_step = n >= 0
                try:
                    delay = next(life)
                except StopIteration:
                    delay = None
                if first_step:
                    reported += 1
                    if progress and reported % 100 == 0:
                        progress(reported)
                if delay is not None:
                    # Negative sequence numbers mark later steps (no progress tick).
                    next_at = self.clock.now() + max(delay, timedelta(0))  # time never goes back
                    heapq.heappush(queue, (next_at, -abs(n) - 1, life))
                steps += 1
                if steps % CHUNK == 0:
                    chunk.__exit__(None, None, None)
                    chunk = self.app.unit_of_work()
                    chunk.__enter__()
            while next_sweep < self.end:
                self.clock.set(next_sweep)
                self._sweep(self.today)
                next_sweep = self._sweep_instant(self.today + timedelta(days=1))
        except BaseException as e:
            chunk.__exit__(type(e), e, e.__traceback__)
            raise
        chunk.__exit__(None, None, None)
        self.clock.set(self.end)
        if progress:
            progress(self.size)

    def _sweep_instant(self, day: date) -> datetime:
        return datetime.combine(day, SWEEP_AT, tzinfo=self.app.tz)

    def _sweep(self, today: date) -> None:
        candidates = sorted(self.checks.pop(today, ()))
        if not candidates:
            return
        findings = self.app.record_deadlines(candidates, today=today)
        self.app.escalate_overdue(findings, today=today)

    def _watch(self, issue: str, deadline: date, key: bool) -> None:
        """The days the deadline job must look at ``issue`` for ``deadline``."""
        policy = self.app.deadline_policy
        escalate = policy.escalate_days_key if key else policy.escalate_days
        tomorrow = self.today + timedelta(days=1)  # today's job has run already
        for day in (deadline - timedelta(days=policy.warn_days), deadline + timedelta(days=1)):
            self.checks.setdefault(max(day, tomorrow), set()).add(issue)
        self.checks.setdefault(deadline + timedelta(days=escalate), set()).add(issue)

    def logins(self) -> list[tuple[str, str, str]]:
        """One login of every kind (role, username, password)."""
        county = data.COUNTIES[0][0]
        township = self.org.townships[county][0]
        department = data.DEPARTMENTS[0][0]
        return [
            ("admin", "admin", PASSWORD),
            ("leader", "leader", PASSWORD),
            ("inspector", "inspector1", PASSWORD),
            ("reviewer", "reviewer", PASSWORD),  # the city's
            ("reviewer", self.reviewers[county].username, PASSWORD),  # a county's
            ("handler", self.handlers[county].username, PASSWORD),  # a county's
            ("handler", self.handlers[township].username, PASSWORD),  # a township's
            ("handler", self.handlers[department].username, PASSWORD),  # a department's
            ("clerk", self.clerks[township].username, PASSWORD),  # a township's
        ]

    # -- org tree and users -----------------------------------------------------------------
    def _build_org(self) -> None:
        sys = system_actor()
        app = self.app
        rng = self.rng
        with app.unit_of_work():
            city_code, city_name = data.CITY
            app.add_unit(sys, code=city_code, name=city_name, kind="city")
            app.add_unit(sys, code=data.OFFICE[0], name=data.OFFICE[1], kind="office", parent=city_code)
            for code, name in data.DEPARTMENTS:
                app.add_unit(sys, code=code, name=name, kind="department", parent=city_code)
            for code, name in data.WORKGROUPS:
                app.add_unit(sys, code=code, name=name, kind="workgroup", parent=city_code)
            for county, county_name in data.COUNTIES:
                app.add_unit(sys, code=county, name=county_name, kind="county", parent=city_code)
                self.org.names[county] = county_name
                words = rng.sample(data.TOWN_WORDS, 4)
                self.org.townships[county] = []
                for t, word in enumerate(words, 1):
                    township = f"{county}{t:02d}"
                    tname = f"{word}{'镇' if t % 3 else '乡'}"
                    app.add_unit(sys, code=township, name=tname, kind="township", parent=county)
                    self.org.townships[county].append(township)
                    self.org.names[township] = f"{county_name}{tname}"
                    self.org.county_of[township] = county
                    self.org.villages[township] = []
                    for v in range(1, 6):
                        village = f"{township}{v:02d}"
                        vname = rng.choice(data.VILLAGE_WORDS) + rng.choice(data.VILLAGE_SUFFIX)
                        app.add_unit(sys, code=village, name=vname, kind="village", parent=township)
                        self.org.villages[township].append(village)
                        self.org.names[village] = f"{county_name}{tname}{vname}"
                        self.org.county_of[village] = county

    def _build_users(self) -> None:
        sys = system_actor()
        app = self.app
        digest = hash_password(PASSWORD)

        def user(username: str, role: str, unit: str, name: str) -> Actor:
            app.create_user(
                sys, username=username, role=role, unit=unit, password="", password_hash=digest, name=name
            )
            return app.actor_for(username)

        with app.unit_of_work():
            self.actors["admin"] = user("admin", "admin", data.OFFICE[0], "巩固衔接办管理员")
            self.actors["leader"] = user("leader", "leader", data.CITY[0], "市领导")
            self.actors["city_reviewer"] = user("reviewer", "reviewer", data.CITY[0], "市级审核员")
            self.inspectors = [
                user(f"inspector{n}", "inspector", data.OFFICE[0], f"暗访组{n}") for n in range(1, 4)
            ]
            for code, name in data.DEPARTMENTS + data.WORKGROUPS:
                self.handlers[code] = user(f"h-{code.lower()}", "handler", code, f"{name}经办人")
            for county, name in data.COUNTIES:
                c = county.lower()
                self.handlers[county] = user(f"h-{c}", "handler", county, f"{name}经办人")
                self.reviewers[county] = user(f"r-{c}", "reviewer", county, f"{name}审核员")
                for township in self.org.townships[county]:
                    t = township.lower()
                    self.handlers[township] = user(f"h-{t}", "handler", township, "乡镇经办人")
                    self.clerks[township] = user(f"c-{t}", "clerk", township, "乡镇录入员")

    def _start_campaign(self) -> None:
        aspects = [
            {"code": code, "name": name, "categories": [{"code": c, "name": n} for c, n, _ in cats]}
            for code, name, _, cats in data.TAXONOMY
        ]
        self.app.start_campaign(
            self.actors["admin"],
            code=CAMPAIGN,
            name="2022年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接考核评估反馈问题整改",
            deadline=(self.end + timedelta(days=60)).date(),
            aspects=aspects,
        )

    # -- one problem's life -------------------------------------------------------------------
    def _outcome(self) -> str:
        roll = self.rng.uniform(0, 100)
        for outcome, share in OUTCOMES:
            if roll < share:
                return outcome
            roll -= share
        return "assigned"

    def _life(self) -> Life:
        """Reports one problem, then plays its life; each ``yield`` is the time
        until its next step."""
        rng, app = self.rng, self.app
        county, _ = rng.choice(data.COUNTIES)
        township = rng.choice(self.org.townships[county])
        village = rng.choice(self.org.villages[township])
        aspect, _, dept, cats = rng.choice(data.TAXONOMY)
        category, _, templates = rng.choice(cats)
        source = rng.choice(list(Source))
        person = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        title = rng.choice(templates).format(village=self.org.names[village], person=person)
        description = rng.choice(data.DESCRIPTIONS).format(source=label(source, "zh"), title=title)
        discovered = self.today - timedelta(days=rng.randint(0, 10))
        location = village if rng.random() < 0.85 else township
        reporter = (
            self.clerks[township]
            if source.value in ("self_check", "cadre", "household")
            else rng.choice(self.inspectors)
        )
        key = rng.random() < 0.1
        issue = app.report_issue(
            reporter,
            campaign=CAMPAIGN,
            title=title[:200],
            description=description,
            source=source.value,
            aspect=aspect,
            category=category,
            severity=rng.choices(["general", "serious", "critical"], [6, 3, 1])[0],
            key=key,
            unit=location,
            discovered_at=discovered,
        ).id
        admin = self.actors["admin"]
        leader = self.actors["leader"]
        outcome = self._outcome()
        if outcome == "assigned" and self.end - self.clock.now() > timedelta(days=100) and rng.random() < 0.7:
            outcome = "closed"  # most of what was found early has been fixed by now
        if outcome not in ("rejected", "duplicate"):
            self.kept.append(issue)
        if outcome == "reported":
            return
        yield days(0.2, 4, rng)  # the office triages
        if outcome == "rejected":
            app.reject(admin, issue, reason="经核实不属于问题范围，不予立项。")
            return
        if outcome == "duplicate":
            if not self.kept:
                app.reject(admin, issue, reason="与既有问题重复。")
            else:
                original = rng.choice(self.kept[-50:])
                app.reject(admin, issue, reason="与已登记问题重复，合并处理。", duplicate_of=original)
            return

        # 交办: the county leads; problems of a sector are handed to its department too (双交办).
        lead, co = county, [dept] if rng.random() < 0.3 else []
        if rng.random() < 0.15:
            lead, co = dept, [county]
        deadline = self.today + timedelta(days=rng.randint(10, 21) if key else rng.randint(20, 75))
        app.assign(admin, issue, lead=lead, co=co, deadline=deadline, measures=rng.choice(data.MEASURES))
        self._watch(issue, deadline, key)
        lead_handler = self.handlers[lead]
        yield days(0.5, 5, rng)
        if rng.random() < 0.04:
            app.dispute_assignment(lead_handler, issue, reason="该问题不属于本单位职责范围，申请改派。")
            yield days(1, 4, rng)
            other = county if lead != county else dept
            # A unit new to the issue needs a deadline (one that stays keeps its own).
            app.reassign(
                admin,
                issue,
                lead=other,
                co=[],
                reason="经研究改派至主责单位。",
                deadline=max(deadline, self.today),
            )
            lead = other
            lead_handler = self.handlers[lead]
            yield days(0.5, 3, rng)
        if rng.random() < 0.2:
            app.comment(leader, issue, text=rng.choice(data.INSTRUCTIONS))
        # The unit works on it, reporting as it goes; some ask for more time.
        # Days of work ahead (at least a couple, even when the deadline is near or past).
        work = max(2, (deadline - self.today).days) * rng.uniform(0.5, 1.3)
        for _ in range(rng.randint(0, 2)):
            yield days(work * 0.2, work * 0.4, rng)
            app.report_progress(lead_handler, issue, note=rng.choice(data.PROGRESS))
        if rng.random() < 0.08 and self.today < deadline:
            app.request_extension(
                lead_handler,
                issue,
                deadline=deadline + timedelta(days=30),
                reason="涉及工程建设，需延期完成。",
            )
            yield days(1, 5, rng)
            if rng.random() < 0.7:
                app.decide_extension(admin, issue, granted=True, note="同意延期。")
                deadline += timedelta(days=30)
                self._watch(issue, deadline, key)
            else:
                app.decide_extension(admin, issue, granted=False, note="不同意延期，按原时限完成。")
        if outcome == "assigned":
            return  # still 整改中: some of these run past their deadlines
        yield days(work * 0.2, work * 0.5, rng)
        reviewer = self.reviewers[self.org.county_of[location]]
        app.attach_evidence(lead_handler, issue, files=[rng.choice(self.photos)], note="整改后现场照片")
        app.submit(lead_handler, issue, summary=rng.choice(data.SUMMARIES))
        if outcome == "submitted":
            return
        yield days(1, 10, rng)
        if outcome == "returned":
            app.verify(reviewer, issue, passed=False, note=rng.choice(data.RETURN_NOTES))
            return
        app.verify(reviewer, issue, passed=True, note=rng.choice(data.PASS_NOTES))
        if outcome == "reopened":
            yield days(10, 40, rng)  # 回头看
            again = self.today + timedelta(days=rng.randint(10, 30))
            app.reopen(admin, issue, reason="回头看发现问题反弹。", deadline=again)
            self._watch(issue, again, key)
            return
        if rng.random() < 0.05:
            yield days(1, 20, rng)
            app.comment(self.actors["city_reviewer"], issue, text=rng.choice(data.COMMENTS))
