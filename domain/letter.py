"""The register of formal letters (交办函, 督办函): one number sequence for both."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.clock import Timestamped
from domain.errors import InvalidInput

LETTER_BOOK_ID: UUID = uuid5(NAMESPACE_URL, "rectify:letter-book")


class LetterKind(StrEnum):
    ASSIGNMENT = "assignment"
    SUPERVISION = "supervision"


DOC_NO_WORD = {LetterKind.ASSIGNMENT: "交", LetterKind.SUPERVISION: "督"}


class LetterBook(Aggregate):
    """Numbers letters; ``doc_no`` (文号) counts per kind and year."""

    issuer: str
    last_number: int
    per_kind_year: dict[str, int]

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return LETTER_BOOK_ID

    class Event(Timestamped, Aggregate.Event):
        actor: dict[str, str]

    class Opened(Event, Aggregate.Created):
        issuer: str

    @classmethod
    def open(cls, actor: Actor, issuer: str = "巩固衔接办") -> LetterBook:
        return cls(actor=actor.as_record(), issuer=issuer)

    @event(Opened)
    def __init__(self, *, actor: dict[str, str], issuer: str) -> None:
        self.issuer = issuer
        self.last_number = 0
        self.per_kind_year = {}

    class LetterIssued(Event):
        number: int
        kind: str
        doc_no: str
        unit: str
        issues: list[str]
        issued_on: str
        respond_by: str | None
        subject: str

    def issue(
        self,
        actor: Actor,
        *,
        kind: LetterKind,
        unit: str,
        issues: list[str],
        issued_on: date,
        respond_by: date | None = None,
        subject: str = "",
    ) -> dict[str, Any]:
        if not issues:
            raise InvalidInput("a letter lists at least one issue", "issues", code="letter_without_issues")
        seq_key = f"{kind}:{issued_on.year}"
        seq = self.per_kind_year.get(seq_key, 0) + 1
        doc_no = f"{self.issuer}{DOC_NO_WORD[kind]}〔{issued_on.year}〕{seq}号"
        self._letter_issued(
            actor=actor.as_record(),
            number=self.last_number + 1,
            kind=str(kind),
            doc_no=doc_no,
            unit=unit,
            issues=list(issues),
            issued_on=issued_on.isoformat(),
            respond_by=respond_by.isoformat() if respond_by else None,
            subject=subject,
        )
        return {"number": self.last_number, "doc_no": doc_no, "kind": str(kind)}

    @event(LetterIssued)
    def _letter_issued(
        self,
        actor: dict[str, str],
        number: int,
        kind: str,
        doc_no: str,
        unit: str,
        issues: list[str],
        issued_on: str,
        respond_by: str | None,
        subject: str,
    ) -> None:
        self.last_number = number
        key = f"{kind}:{issued_on[:4]}"
        self.per_kind_year[key] = self.per_kind_year.get(key, 0) + 1
