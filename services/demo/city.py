"""Builds the demo city through the application's own commands.

Deterministic for a given seed. Problems are loaded in chunks, each chunk one
unit of work (one transaction), so ``--size 100000`` stays fast while every
fact still passes through the aggregates' rules.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from domain.actor import Actor, system_actor
from domain.vocabulary import LABELS_ZH, Source
from services.bootstrap import Services
from services.deadlines import DeadlineFindings
from services.demo import data
from services.files import FileStore
from services.passwords import hash_password

PASSWORD = "rectify-demo"
CAMPAIGN = "YC2023"
CHUNK = 2000

# How the problems end up, in percent (the rest stay assigned, i.e. 整改中).
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
    def __init__(self, services: Services, *, size: int = 1000, seed: int = 2023) -> None:
        self.s = services
        self.app = services.app
        self.size = size
        self.rng = random.Random(seed)
        self.today = services.app.today()
        self._day = self.today  # the day the current problem's commands are given
        self.org = Org()
        self.actors: dict[str, Actor] = {}
        self.handlers: dict[str, Actor] = {}  # unit -> handler
        self.reviewers: dict[str, Actor] = {}  # county -> reviewer
        self.clerks: dict[str, Actor] = {}  # township -> clerk
        self.kept: list[str] = []  # problems not rejected: originals for duplicates
        self.files = FileStore(services.settings.data_dir / "evidence")
        self.photos = [
            self.files.put(_png(rgb), name=f"现场照片{n}.png", content_type="image/png")
            for n, rgb in enumerate([(200, 60, 40), (40, 160, 80), (60, 90, 200)], 1)
        ]

    # -- the whole load ---------------------------------------------------------------
    def load(self, progress: Callable[[int], None] | None = None) -> list[tuple[str, str, str]]:
        self._build_org()
        self._build_users()
        self._start_campaign()
        findings = DeadlineFindings()
        # Each problem's commands are given on the day it was found (deadlines
        # are never before the day a command is given). A stopgap until the
        # injected clock plays the demo over time: today() reads that day.
        self.app.today = lambda: self._day  # type: ignore[method-assign]
        try:
            for start in range(0, self.size, CHUNK):
                with self.app.unit_of_work():
                    open_ids = [self._problem(n) for n in range(start, min(self.size, start + CHUNK))]
                    # The deadline job as it would have run today, inside the same
                    # transaction as the problems it looks at.
                    self.app.record_deadlines([i for i in open_ids if i], today=self.today, findings=findings)
                if progress:
                    progress(min(self.size, start + CHUNK))
        finally:
            vars(self.app).pop("today", None)
        self.app.escalate_overdue(findings, today=self.today)
        return self.logins()

    def logins(self) -> list[tuple[str, str, str]]:
        first_county = data.COUNTIES[0][0]
        first_township = self.org.townships[first_county][0]
        return [
            ("admin", "admin", PASSWORD),
            ("leader", "leader", PASSWORD),
            ("inspector", "inspector1", PASSWORD),
            ("clerk", self.clerks[first_township].username, PASSWORD),
            ("handler", self.handlers[first_county].username, PASSWORD),
            ("reviewer", self.reviewers[first_county].username, PASSWORD),
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
            deadline=self.today + timedelta(days=120),
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

    def _problem(self, n: int) -> str | None:
        """Reports one problem and plays its life; returns its id while it is assigned."""
        rng, app = self.rng, self.app
        county, _ = rng.choice(data.COUNTIES)
        township = rng.choice(self.org.townships[county])
        village = rng.choice(self.org.villages[township])
        aspect, _, dept, cats = rng.choice(data.TAXONOMY)
        category, _, templates = rng.choice(cats)
        source = rng.choice(list(Source))
        person = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        title = rng.choice(templates).format(village=self.org.names[village], person=person)
        description = rng.choice(data.DESCRIPTIONS).format(source=LABELS_ZH[source.value], title=title)
        discovered = self._day = self.today - timedelta(days=rng.randint(5, 200))
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
        if outcome not in ("rejected", "duplicate"):
            self.kept.append(issue)
        if outcome == "reported":
            return None
        if outcome == "rejected":
            app.reject(admin, issue, reason="经核实不属于问题范围，不予立项。")
            return None
        if outcome == "duplicate":
            if not self.kept:
                app.reject(admin, issue, reason="与既有问题重复。")
            else:
                original = rng.choice(self.kept[-50:])
                app.reject(admin, issue, reason="与已登记问题重复，合并处理。", duplicate_of=original)
            return None

        # 交办: the county leads; problems of a sector are handed to its department too (双交办).
        lead, co = county, [dept] if rng.random() < 0.3 else []
        if rng.random() < 0.15:
            lead, co = dept, [county]
        # Open problems get deadlines around today, so some are due soon and some overdue.
        if outcome in ("assigned", "returned"):
            deadline = self.today + timedelta(days=rng.randint(-40, 30))
        else:
            deadline = discovered + timedelta(days=rng.randint(20, 90))
        deadline = max(deadline, discovered + timedelta(days=7))
        app.assign(admin, issue, lead=lead, co=co, deadline=deadline, measures=rng.choice(data.MEASURES))
        lead_handler = self.handlers[lead]
        if rng.random() < 0.04:
            app.dispute_assignment(lead_handler, issue, reason="该问题不属于本单位职责范围，申请改派。")
            other = county if lead != county else dept
            # A unit new to the issue needs a deadline (one that stays keeps its own).
            app.reassign(admin, issue, lead=other, co=[], reason="经研究改派至主责单位。", deadline=deadline)
            lead = other
            lead_handler = self.handlers[lead]
        if rng.random() < 0.2:
            app.comment(leader, issue, text=rng.choice(data.INSTRUCTIONS))
        for _ in range(rng.randint(0, 2)):
            app.report_progress(lead_handler, issue, note=rng.choice(data.PROGRESS))
        if rng.random() < 0.08:
            app.request_extension(
                lead_handler,
                issue,
                deadline=deadline + timedelta(days=30),
                reason="涉及工程建设，需延期完成。",
            )
            app.decide_extension(admin, issue, granted=rng.random() < 0.7, note="")
        if outcome == "assigned":
            return issue
        reviewer = self.reviewers[self.org.county_of[location]]
        app.attach_evidence(lead_handler, issue, files=[rng.choice(self.photos)], note="整改后现场照片")
        app.submit(lead_handler, issue, summary=rng.choice(data.SUMMARIES))
        if outcome == "submitted":
            return None
        if outcome == "returned":
            app.verify(reviewer, issue, passed=False, note=rng.choice(data.RETURN_NOTES))
            return issue
        app.verify(reviewer, issue, passed=True, note=rng.choice(data.PASS_NOTES))
        if outcome == "reopened":
            app.reopen(
                self.actors["admin"],
                issue,
                reason="回头看发现问题反弹。",
                deadline=max(discovered, self.today + timedelta(days=rng.randint(-20, 30))),
            )
            return issue
        if rng.random() < 0.05:
            app.comment(self.actors["city_reviewer"], issue, text=rng.choice(data.COMMENTS))
        return None
