"""The enumerations of the domain, with their Chinese names (the one place they live)."""

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


LABELS_ZH: dict[str, str] = {
    # sources
    "assessment": "上级考核反馈",
    "workgroup": "专班排查",
    "self_check": "县级自查",
    "department": "行业部门督导",
    "flying": "飞行检查",
    "unannounced": "暗访抽查",
    "household": "农户自主申报",
    "cadre": "基层干部排查",
    "screening": "部门筛查预警",
    "petition": "舆情信访",
    # severities
    "general": "一般",
    "serious": "较重",
    "critical": "严重",
    # statuses
    "reported": "待交办",
    "assigned": "整改中",
    "submitted": "待验收",
    "closed": "已销号",
    "rejected": "不予立项",
    # unit kinds
    "city": "市",
    "county": "县/市/区",
    "township": "乡镇/街道",
    "village": "村/社区",
    "office": "巩固衔接办",
    # roles
    "admin": "市级管理员",
    "inspector": "检查组",
    "clerk": "信息员",
    "handler": "责任单位经办人",
    "reviewer": "审核员",
    "leader": "领导",
    "system": "系统",
}
# "department" and "workgroup" are both a source and a unit kind; as kinds:
UNIT_KIND_LABELS_ZH: dict[str, str] = {
    **{k.value: LABELS_ZH[k.value] for k in UnitKind if k.value in LABELS_ZH},
    "department": "行业部门",
    "workgroup": "工作专班",
}


def label_zh(code: str) -> str:
    return LABELS_ZH.get(code, code)
