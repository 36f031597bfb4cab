"""Names for people, in Chinese and English: every enumeration and every event type.

The one place these labels live (pure data). JSON and the event store keep the
codes; whoever shows a code to a person asks :func:`label` (an enumeration's
value) or :func:`event_label` (an event type, as ``"Issue.Assigned"``). A value
may mean different things in different enumerations ("department" is a source
and a unit kind), so a label is always looked up with its enumeration.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, NamedTuple

from domain.access import LIST_USERS, MANAGE_CAMPAIGNS, MANAGE_UNITS, MANAGE_USERS, REPORT, Scope
from domain.actor import Role
from domain.deadlines import DeadlineAction, Light
from domain.letter import LetterKind
from domain.lifecycle import Action, Status
from domain.vocabulary import Severity, Source, UnitKind

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")


class Label(NamedTuple):
    zh: str
    en: str

    def of(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


ENUM_LABELS: dict[type[StrEnum], dict[str, Label]] = {
    Status: {
        Status.REPORTED: Label("待交办", "awaiting assignment"),
        Status.ASSIGNED: Label("整改中", "under rectification"),
        Status.SUBMITTED: Label("待验收", "awaiting verification"),
        Status.CLOSED: Label("已销号", "closed"),
        Status.REJECTED: Label("不予立项", "rejected"),
    },
    Action: {
        Action.RECLASSIFY: Label("调整分类", "reclassify"),
        Action.ASSIGN: Label("交办", "assign"),
        Action.DISPUTE_ASSIGNMENT: Label("申诉", "dispute the assignment"),
        Action.REASSIGN: Label("改派", "reassign"),
        Action.REPORT_PROGRESS: Label("报告整改进展", "report progress"),
        Action.ATTACH_EVIDENCE: Label("上传佐证材料", "attach evidence"),
        Action.ATTACH_DISCOVERY_EVIDENCE: Label("上传现场照片", "attach discovery photos"),
        Action.REQUEST_EXTENSION: Label("申请延期", "request an extension"),
        Action.DECIDE_EXTENSION: Label("审批延期申请", "decide on an extension"),
        Action.WARN_DEADLINE: Label("临期预警", "warn of the deadline"),
        Action.MISS_DEADLINE: Label("记录逾期", "record a missed deadline"),
        Action.ISSUE_SUPERVISION_LETTER: Label("下发督办函", "issue a supervision letter"),
        Action.SUBMIT: Label("申请销号", "submit for closure"),
        Action.PASS_VERIFICATION: Label("验收通过", "pass verification"),
        Action.FAIL_VERIFICATION: Label("验收退回", "fail verification"),
        Action.REOPEN: Label("重新整改", "reopen"),
        Action.REJECT: Label("不予立项", "reject"),
        Action.MERGE_AS_DUPLICATE: Label("合并重复问题", "merge as a duplicate"),
        Action.COMMENT: Label("评论", "comment"),
    },
    Role: {
        Role.ADMIN: Label("市级管理员", "administrator"),
        Role.INSPECTOR: Label("检查组", "inspector"),
        Role.CLERK: Label("信息员", "clerk"),
        Role.HANDLER: Label("责任单位经办人", "handler"),
        Role.REVIEWER: Label("审核员", "reviewer"),
        Role.LEADER: Label("领导", "leader"),
        Role.SYSTEM: Label("系统", "system"),
    },
    Source: {
        Source.ASSESSMENT: Label("上级考核反馈", "assessment feedback"),
        Source.WORKGROUP: Label("专班排查", "task force survey"),
        Source.SELF_CHECK: Label("县级自查", "county self-check"),
        Source.DEPARTMENT: Label("行业部门督导", "department supervision"),
        Source.FLYING: Label("飞行检查", "unscheduled inspection"),
        Source.UNANNOUNCED: Label("暗访抽查", "unannounced spot check"),
        Source.HOUSEHOLD: Label("农户自主申报", "household self-report"),
        Source.CADRE: Label("基层干部排查", "local cadre survey"),
        Source.SCREENING: Label("部门筛查预警", "department screening alert"),
        Source.PETITION: Label("舆情信访", "public opinion and petitions"),
    },
    Severity: {
        Severity.GENERAL: Label("一般", "general"),
        Severity.SERIOUS: Label("较重", "serious"),
        Severity.CRITICAL: Label("严重", "critical"),
    },
    UnitKind: {
        UnitKind.CITY: Label("市", "city"),
        UnitKind.COUNTY: Label("县/市/区", "county"),
        UnitKind.TOWNSHIP: Label("乡镇/街道", "township"),
        UnitKind.VILLAGE: Label("村/社区", "village"),
        UnitKind.DEPARTMENT: Label("行业部门", "department"),
        UnitKind.WORKGROUP: Label("工作专班", "work group"),
        UnitKind.OFFICE: Label("巩固衔接办", "office"),
    },
    LetterKind: {
        LetterKind.ASSIGNMENT: Label("交办函", "assignment letter"),
        LetterKind.SUPERVISION: Label("督办函", "supervision letter"),
    },
    DeadlineAction: {
        DeadlineAction.WARN: Label("临期预警", "deadline warning"),
        DeadlineAction.MISS: Label("逾期", "missed deadline"),
        DeadlineAction.SUPERVISE: Label("督办", "supervision"),
    },
    Light: {
        Light.GREEN: Label("正常", "on track"),
        Light.YELLOW: Label("临期", "due soon"),
        Light.RED: Label("逾期", "overdue"),
    },
    Scope: {
        Scope.EVERYTHING: Label("全部问题", "every problem"),
        Scope.LOCATED: Label("辖区内的问题", "problems located in its unit"),
        Scope.ASSIGNED: Label("交办给本单位的问题", "problems assigned to its unit"),
    },
}

#: What a role may do beside the lifecycle's actions (``domain/access.py``).
OTHER_ACTIONS: dict[str, Label] = {
    REPORT: Label("登记问题", "report problems"),
    MANAGE_UNITS: Label("管理单位", "manage units"),
    MANAGE_USERS: Label("管理用户", "manage users"),
    MANAGE_CAMPAIGNS: Label("管理整改行动", "manage campaigns"),
    LIST_USERS: Label("查看用户列表", "list users"),
}

#: Event types by ``<aggregate>.<event>`` (the history's ``type`` is the event's name).
EVENT_LABELS: dict[str, Label] = {
    "Campaign.Started": Label("启动整改行动", "campaign started"),
    "Campaign.IssueNumberAllocated": Label("分配问题编号", "issue number allocated"),
    "Campaign.Renamed": Label("整改行动更名", "campaign renamed"),
    "Campaign.DeadlineChanged": Label("调整整改行动期限", "campaign deadline changed"),
    "Campaign.AspectAdded": Label("新增方面", "aspect added"),
    "Campaign.AspectRenamed": Label("方面更名", "aspect renamed"),
    "Campaign.AspectRetired": Label("停用方面", "aspect retired"),
    "Campaign.AspectRestored": Label("恢复方面", "aspect restored"),
    "Campaign.CategoryAdded": Label("新增类别", "category added"),
    "Campaign.CategoryRenamed": Label("类别更名", "category renamed"),
    "Campaign.CategoryRetired": Label("停用类别", "category retired"),
    "Campaign.CategoryRestored": Label("恢复类别", "category restored"),
    "Issue.Reported": Label("登记问题", "reported"),
    "Issue.Reclassified": Label("调整分类", "reclassified"),
    "Issue.Assigned": Label("交办", "assigned"),
    "Issue.AssignmentDisputed": Label("申诉", "assignment disputed"),
    "Issue.Reassigned": Label("改派", "reassigned"),
    "Issue.ProgressReported": Label("报告整改进展", "progress reported"),
    "Issue.EvidenceAttached": Label("上传佐证材料", "evidence attached"),
    "Issue.DiscoveryEvidenceAttached": Label("上传现场照片", "discovery photos attached"),
    "Issue.ExtensionRequested": Label("申请延期", "extension requested"),
    "Issue.ExtensionGranted": Label("批准延期", "extension granted"),
    "Issue.ExtensionRefused": Label("不予延期", "extension refused"),
    "Issue.DeadlineWarned": Label("临期预警", "deadline warning"),
    "Issue.DeadlineMissed": Label("逾期", "deadline missed"),
    "Issue.SupervisionLetterIssued": Label("下发督办函", "supervision letter issued"),
    "Issue.Submitted": Label("申请销号", "submitted for closure"),
    "Issue.VerificationPassed": Label("验收通过（销号）", "verification passed (closed)"),
    "Issue.VerificationFailed": Label("验收退回", "verification failed (returned)"),
    "Issue.Reopened": Label("回头看重新整改", "reopened"),
    "Issue.Rejected": Label("不予立项", "rejected"),
    "Issue.MergedAsDuplicate": Label("合并为重复问题", "merged as a duplicate"),
    "Issue.CommentAdded": Label("评论", "comment"),
    "LetterBook.Opened": Label("建立函件登记簿", "letter register opened"),
    "LetterBook.LetterIssued": Label("印发函件", "letter issued"),
    "Organisation.Founded": Label("建立组织架构", "organisation founded"),
    "Unit.Added": Label("新增单位", "unit added"),
    "Unit.Renamed": Label("单位更名", "unit renamed"),
    "Unit.Moved": Label("调整上级单位", "unit moved"),
    "Unit.Closed": Label("撤销单位", "unit closed"),
    "Unit.Reopened": Label("恢复单位", "unit reopened"),
    "User.Registered": Label("新增用户", "user registered"),
    "User.Renamed": Label("修改用户姓名", "user renamed"),
    "User.Deactivated": Label("停用账号", "account deactivated"),
    "User.Reactivated": Label("恢复账号", "account reactivated"),
    "User.PasswordChanged": Label("修改密码", "password changed"),
    "User.RoleChanged": Label("变更角色", "role changed"),
    "User.TokenIssued": Label("签发接口令牌", "API token issued"),
    "User.TokenRevoked": Label("吊销接口令牌", "API token revoked"),
}


def label(value: StrEnum | str, lang: Lang, kind: type[StrEnum] | None = None) -> str:
    """The label of an enumeration's value; ``kind`` names the enumeration when
    ``value`` is a plain string. An unknown value is shown as it is."""
    enum = kind or (type(value) if isinstance(value, StrEnum) else None)
    found = ENUM_LABELS.get(enum, {}).get(str(value)) if enum is not None else None
    return found.of(lang) if found else str(value)


def event_label(event_type: str, lang: Lang) -> str:
    """The label of an event type such as ``"Issue.Assigned"``."""
    found = EVENT_LABELS.get(event_type)
    return found.of(lang) if found else event_type


def action_label(action: str, lang: Lang) -> str:
    """The label of anything a role may do: a lifecycle :class:`Action` or, say, reporting."""
    found = OTHER_ACTIONS.get(str(action))
    return found.of(lang) if found else label(action, lang, Action)
