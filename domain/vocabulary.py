"""The enumerations of the domain (their labels for people are in :mod:`domain.labels`)."""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    ASSESSMENT = "assessment"
    WORKGROUP = "workgroup"
    SELF_CHECK = "self_check"
    DEPARTMENT = "department"
    FLYING = "flying"
    UNANNOUNCED = "unannounced"
    HOUSEHOLD = "household"
    CADRE = "cadre"
    SCREENING = "screening"
    PETITION = "petition"


class Severity(StrEnum):
    GENERAL = "general"
    SERIOUS = "serious"
    CRITICAL = "critical"


class UnitKind(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    DEPARTMENT = "department"
    WORKGROUP = "workgroup"
    OFFICE = "office"
