"""Per-command throughput: rectify's command against a bare eventsourcing app.

Both sides do the same thing to the same number of pre-created aggregates,
round-robin: load the aggregate, let it decide, save one event.

* rectify: ``services.app.report_progress(handler, issue_id, note=...)``: the
  issue is loaded through the repository (the app's aggregate cache, with
  fast-forward), the actor's visibility (unit tree) and role are checked, the
  aggregate decides, one ``ProgressReported`` event is saved; the command
  returns an ``IssueView``.
* baseline: a bare ``eventsourcing.application.Application`` subclass and a
  trivial ``Aggregate`` with one ``@event`` method:
  ``agg = app.repository.get(id); agg.note(text); app.save(agg)``.

Both use the same recorder env (``services.database.eventsourcing_env(url)``)
and each has a database of its own: another SQLite file, another PostgreSQL
database on the same server. (Not one PostgreSQL database with a table
prefix per app: with ``POSTGRES_ENABLE_DB_FUNCTIONS=y`` eventsourcing 9.5.6
names its insert function ``es_insert_events_uuid`` per schema, not per
table, so the app created last would receive every app's events.)
Every aggregate starts with two events on both sides (an issue is reported
and assigned; a ticket is created and noted once).

The blocks are interleaved: each round runs one block of every variant (the
order rotates from round to round), so background load on the machine hits
all of them alike. The ratio that decides the target is *paired*: in each
round, rectify's rate over the baseline's rate in the same round; the median
of those per-round ratios. (On a shared 2-core machine the rates drift by
+-30 % within minutes; neighbouring blocks see nearly the same load, so the
per-round ratio is far steadier than best-over-best.) Best-over-best is
reported as well.

Two baselines: ``baseline`` is the bare ``Application`` as it comes (no
aggregate cache: every load replays the ticket's events), ``baseline+cache``
gives the same bare app rectify's cache settings (``AGGREGATE_CACHE_MAXSIZE``
with fast-forward: every load reads only the newer events and deep-copies
the cached aggregate). The issue's target is against the first; the second
is the like-for-like comparison and is reported next to it.

``--profile`` afterwards runs cProfile over both sides (``results/profiles``)
and times the pieces that differ one by one (``timeit``, best of 5), which
is what the cost breakdown in docs/benchmarks.md comes from.
"""

from __future__ import annotations

import copy
import cProfile
import gc
import io
import pstats
import statistics
import time
import timeit
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.common import database, log, summary, table, timed, verdict
from domain.actor import Actor, system_actor
from domain.lifecycle import Action
from services.bootstrap import Services, build
from services.database import eventsourcing_env
from services.settings import Settings
from services.store import EventSourcedApp
from services.views import IssueView

TARGET_RATIO = 0.8
NOTE = "已完成入户核查，正在组织施工队进场整改。"
TAXONOMY = [
    {"code": "A01", "name": "两不愁三保障", "categories": [{"code": "A01C02", "name": "住房安全保障"}]},
]


# -- the baseline ---------------------------------------------------------------------------
class Ticket(Aggregate):
    """A trivial aggregate: created, then noted."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.notes = 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes += 1


class BenchBaseline(Application[UUID]):
    name = "BenchBaseline"


def baseline_app(url: str, *, cached: bool) -> BenchBaseline:
    env = dict(eventsourcing_env(url))
    if cached:
        env.update(EventSourcedApp.env)  # the same cache settings as rectify
    return BenchBaseline(env=env)


def create_tickets(app: BenchBaseline, n: int) -> list[UUID]:
    ids = []
    for start in range(0, n, 500):
        batch = []
        for k in range(start, min(n, start + 500)):
            ticket = Ticket(f"ticket {k}")
            ticket.note("created")
            batch.append(ticket)
        app.save(*batch)
        ids.extend(t.id for t in batch)
    return ids


# -- rectify -----------------------------------------------------------------------------
def create_issues(services: Services, n: int) -> tuple[Actor, list[UUID]]:
    """A tiny org (city, office, one county), an admin and a county handler,
    one campaign, and ``n`` problems reported and assigned to the county."""
    app = services.app
    sys = system_actor()
    cheap_hash = "scrypt:32768:8:1$bench$0"
    with app.unit_of_work():
        app.add_unit(sys, code="C", name="运城市", kind="city")
        app.add_unit(sys, code="OFF", name="市巩固衔接办", kind="office", parent="C")
        app.add_unit(sys, code="C01", name="盐湖区", kind="county", parent="C")
        app.create_user(
            sys, username="admin", role="admin", unit="OFF", password="", password_hash=cheap_hash
        )
        app.create_user(
            sys, username="handler", role="handler", unit="C01", password="", password_hash=cheap_hash
        )
    admin = app.actor_for("admin")
    handler = app.actor_for("handler")
    app.start_campaign(
        admin, code="YC2023", name="考核评估反馈问题整改", deadline="2030-12-31", aspects=TAXONOMY
    )
    ids: list[UUID] = []
    deadline = date.today() + timedelta(days=60)
    for start in range(0, n, 500):
        with app.unit_of_work():
            for k in range(start, min(n, start + 500)):
                issue = app.report_issue(
                    admin,
                    campaign="YC2023",
                    title=f"危房改造未完成 {k}",
                    description="排查发现该户住房安全等级为C级，未纳入改造。",
                    source="flying",
                    aspect="A01",
                    category="A01C02",
                    severity="serious",
                    unit="C01",
                    discovered_at="2023-06-01",
                ).id
                app.assign(admin, issue, lead="C01", deadline=deadline, measures="限期改造")
                ids.append(UUID(str(issue)))
    return handler, ids


# -- the blocks ---------------------------------------------------------------------------
@dataclass
class Variant:
    name: str
    run: Callable[[int, int], None]  # (offset, count)


def _rectify_variant(services: Services, handler: Actor, ids: list[UUID]) -> Variant:
    app = services.app
    n = len(ids)

    def run(offset: int, count: int) -> None:
        for k in range(offset, offset + count):
            app.report_progress(handler, ids[k % n], note=NOTE)

    return Variant("rectify", run)


def _baseline_variant(name: str, app: BenchBaseline, ids: list[UUID]) -> Variant:
    n = len(ids)
    get, save = app.repository.get, app.save

    def run(offset: int, count: int) -> None:
        for k in range(offset, offset + count):
            agg: Ticket = get(ids[k % n])
            agg.note(NOTE)
            save(agg)

    return Variant(name, run)


def measure(
    kind: str, *, issues: int, commands: int, rounds: int, profile_dir: Path | None
) -> dict[str, Any]:
    with ExitStack() as stack:
        db = stack.enter_context(database(kind, "commands"))
        bare_db = stack.enter_context(database(kind, "baseline", file="baseline.sqlite3"))
        cached_db = stack.enter_context(database(kind, "baselinecache", file="baseline.sqlite3"))
        services = build(Settings(data_dir=db.data_dir, database_url=db.url))
        stack.callback(services.close)
        bare = baseline_app(bare_db.url, cached=False)
        stack.callback(bare.close)
        cached = baseline_app(cached_db.url, cached=True)
        stack.callback(cached.close)

        services.init()
        log(f"[commands/{kind}] creating {issues} issues and 2 x {issues} tickets")
        handler, issue_ids = create_issues(services, issues)
        ticket_ids = create_tickets(cached, issues)
        variants = [
            _rectify_variant(services, handler, issue_ids),
            _baseline_variant("baseline", bare, create_tickets(bare, issues)),
            _baseline_variant("baseline+cache", cached, ticket_ids),
        ]
        # Warm-up, not timed: one command per aggregate (fills the caches).
        for v in variants:
            v.run(0, issues)
        rates: dict[str, list[float]] = {v.name: [] for v in variants}
        cpu_us: dict[str, list[float]] = {v.name: [] for v in variants}
        offset = issues
        for r in range(rounds):
            for v in variants[r % len(variants) :] + variants[: r % len(variants)]:
                gc.collect()
                cpu = time.process_time()
                seconds, _ = timed(lambda v=v, offset=offset: v.run(offset, commands))
                cpu_us[v.name].append((time.process_time() - cpu) / commands * 1e6)
                rates[v.name].append(commands / seconds)
                log(
                    f"[commands/{kind}] round {r + 1}/{rounds} {v.name}: {commands / seconds:,.0f}/s, "
                    f"{cpu_us[v.name][-1]:,.0f} us CPU per command"
                )
            offset += commands
        profiles: dict[str, str] = {}
        pieces: dict[str, float] = {}
        if profile_dir is not None:
            count = min(commands, 2000)
            for v in variants:
                profiles[v.name] = _profile(v, offset, count, profile_dir / f"{kind}-{v.name}")
            offset += count
            pieces = breakdown(services, handler, issue_ids[0], cached, ticket_ids[0])
    stats = {name: summary(values) for name, values in rates.items()}
    paired = {
        name: [a / b for a, b in zip(rates["rectify"], rates[name], strict=True)]
        for name in ("baseline", "baseline+cache")
    }
    ratio = statistics.median(paired["baseline"])
    return {
        "database": kind,
        "issues": issues,
        "commands_per_round": commands,
        "rounds": rounds,
        "rates": rates,
        "stats": stats,
        # This process's CPU time per command, best round (user + system: the
        # SQLite library's work is in it, the PostgreSQL server's is not).
        "cpu_us_per_command": {name: min(values) for name, values in cpu_us.items()},
        "cpu_us_all": cpu_us,
        # The target's ratio: median over rounds of rectify / baseline in the same round.
        "ratio": ratio,
        "ratios_per_round": paired,
        "ratio_best_over_best": stats["rectify"]["best"] / stats["baseline"]["best"],
        "ratio_vs_cached_baseline": statistics.median(paired["baseline+cache"]),
        "ratio_vs_cached_baseline_best_over_best": stats["rectify"]["best"] / stats["baseline+cache"]["best"],
        "target_ratio": TARGET_RATIO,
        "met": ratio >= TARGET_RATIO,
        "profiles": profiles,
        "pieces_us": pieces,
    }


def _profile(v: Variant, offset: int, count: int, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    v.run(offset, count)
    profiler.disable()
    profiler.dump_stats(str(path.with_suffix(".prof")))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    path.with_suffix(".txt").write_text(out.getvalue())
    return str(path.with_suffix(".prof"))


def breakdown(
    services: Services, handler: Actor, issue_id: UUID, baseline: BenchBaseline, ticket_id: UUID
) -> dict[str, float]:
    """Microseconds per call of each piece of a command, best of 5 (timeit)."""
    app = services.app

    def us(f: Any, number: int = 2000) -> float:
        return min(timeit.repeat(f, number=number, repeat=5)) / number * 1e6

    issue = app.repository.get(issue_id)
    ticket = baseline.repository.get(ticket_id)
    cached_issue = app.repository.cache.get(issue_id) if app.repository.cache else issue
    cached_ticket = baseline.repository.cache.get(ticket_id) if baseline.repository.cache else ticket

    def decide_issue() -> None:
        copy.deepcopy(cached_issue).report_progress(handler, note=NOTE)

    def decide_ticket() -> None:
        copy.deepcopy(cached_ticket).note(NOTE)

    probe = copy.deepcopy(cached_issue)
    probe.report_progress(handler, note=NOTE)
    issue_event = probe.collect_events()[0]
    probe_ticket = copy.deepcopy(cached_ticket)
    probe_ticket.note(NOTE)
    ticket_event = probe_ticket.collect_events()[0]
    issue_stored = app.mapper.to_stored_event(issue_event)
    ticket_stored = baseline.mapper.to_stored_event(ticket_event)
    pieces = {
        "deepcopy(cached Issue)": us(lambda: copy.deepcopy(cached_issue)),
        "deepcopy(cached Ticket)": us(lambda: copy.deepcopy(cached_ticket)),
        "deepcopy + Issue.report_progress()": us(decide_issue),
        "deepcopy + Ticket.note()": us(decide_ticket),
        "IssueView.of(issue)": us(lambda: IssueView.of(issue)),
        "may_see(handler, issue) (unit tree)": us(lambda: app.may_see(handler, issue)),
        "issue.authorize(handler, REPORT_PROGRESS)": us(
            lambda: issue.authorize(handler, Action.REPORT_PROGRESS)
        ),
        "to_stored_event(ProgressReported)": us(lambda: app.mapper.to_stored_event(issue_event)),
        "to_stored_event(Ticket.Noted)": us(lambda: baseline.mapper.to_stored_event(ticket_event)),
        "to_domain_event(ProgressReported)": us(lambda: app.mapper.to_domain_event(issue_stored)),
        "to_domain_event(Ticket.Noted)": us(lambda: baseline.mapper.to_domain_event(ticket_stored)),
        "repository.get(issue) (cache, fast-forward, deepcopy)": us(
            lambda: app.repository.get(issue_id), 500
        ),
        "repository.get(ticket) (cache, fast-forward, deepcopy)": us(
            lambda: baseline.repository.get(ticket_id), 500
        ),
        "events.get(issue, gt=version) (no rows)": us(
            lambda: list(app.events.get(issue_id, gt=issue.version)), 500
        ),
        "events.get(ticket, gt=version) (no rows)": us(
            lambda: list(baseline.events.get(ticket_id, gt=ticket.version)), 500
        ),
    }
    pieces["stored event bytes: ProgressReported"] = len(issue_stored.state)
    pieces["stored event bytes: Ticket.Noted"] = len(ticket_stored.state)
    return pieces


def run(kinds: list[str], *, quick: bool, profile_dir: Path | None = None) -> dict[str, Any]:
    issues, commands, rounds = (100, 200, 3) if quick else (500, 1000, 12)
    results = [
        measure(kind, issues=issues, commands=commands, rounds=rounds, profile_dir=profile_dir)
        for kind in kinds
    ]
    rows = []
    for r in results:
        for name in ("rectify", "baseline", "baseline+cache"):
            s = r["stats"][name]
            paired = ""
            if name != "rectify":
                per_round = r["ratios_per_round"][name]
                paired = f"{statistics.median(per_round):.2f} ({min(per_round):.2f}-{max(per_round):.2f})"
            rows.append(
                [
                    r["database"],
                    name,
                    s["best"],
                    s["median"],
                    s["worst"],
                    r["cpu_us_per_command"][name],
                    paired,
                    "" if name == "rectify" else f"{r['stats']['rectify']['best'] / s['best']:.2f}",
                ]
            )
    print(f"\nper-command throughput, commands/s: {rounds} interleaved rounds of {commands} commands")
    print(f"round-robin over {issues} aggregates each; ratios are rectify / that row")
    print(
        table(
            [
                "database",
                "variant",
                "best/s",
                "median/s",
                "worst/s",
                "CPU us/cmd",
                "paired ratio: median (range)",
                "best/best",
            ],
            rows,
        )
    )
    for r in results:
        print(
            f"ratio {r['database']}: {r['ratio']:.2f} rectify/baseline "
            f"(median of {rounds} paired rounds; target >= {TARGET_RATIO}: {verdict(r['met'])}); "
            f"{r['ratio_vs_cached_baseline']:.2f} against baseline+cache"
        )
        if r["pieces_us"]:
            print(f"\npieces of a command on {r['database']}, us per call (timeit, best of 5):")
            print(table(["piece", "us"], [[k, float(v)] for k, v in r["pieces_us"].items()]))
    return {"benchmark": "commands", "quick": quick, "results": results}
