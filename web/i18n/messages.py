"""Error messages in Chinese and English, by the stable codes of ``domain/errors.py``.

:func:`render` fills a code's sentence with the error's ``params``: a parameter
that is an enumeration value (``status``, ``action``, ``role``, ``source``,
``severity``, ``kind``) is shown with its label (``domain/labels.py``), a field
name with its Chinese name, a list joined. A code without a sentence, or a
sentence whose parameters the raise site did not give, falls back to the
generic sentence of the error's class, so an answer always has a message.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from domain.actor import Role
from domain.labels import Label, Lang, action_label, label
from domain.lifecycle import Status
from domain.vocabulary import Severity, Source, UnitKind

L = Label

#: code -> (Chinese, English). Every code a raise site names has a sentence here
#: (``tests/unit/test_error_messages.py`` checks it).
MESSAGES: dict[str, Label] = {
    # the generic sentence of each error class (what a code without its own falls back to)
    "domain_error": L("请求无法完成", "the request cannot be done"),
    "invalid_input": L("{field}的值无效", "{field} is invalid"),
    "transition_not_allowed": L(
        "问题当前状态为“{status}”，不能{action}", "cannot {action}: the issue is {status}"
    ),
    "forbidden": L("无权执行此操作", "you may not do this"),
    "not_found": L("未找到", "not found"),
    "already_exists": L("已存在", "it exists already"),
    "stale_version": L(
        "版本已过期：期望版本{expected}，当前版本为{actual}",
        "expected version {expected}, but the current version is {actual}",
    ),
    "not_authenticated": L("未登录或身份无效", "not authenticated"),
    "upload_too_large": L("上传的文件过大", "upload too large"),
    # input (422)
    "invalid_fields": L("输入无效", "invalid input"),
    "field_required": L("{field}不能为空", "{field} must not be empty"),
    "too_long": L("{field}最多{limit}个字符", "{field} has at most {limit} characters"),
    "too_small": L("{field}最小为{min}", "{field} is at least {min}"),
    "out_of_range": L("{field}须在{min}到{max}之间", "{field} is between {min} and {max}"),
    "invalid_date": L("{field}必须是日期（YYYY-MM-DD）", "{field} must be a date YYYY-MM-DD"),
    "invalid_choice": L("{field}必须是以下之一：{allowed}", "{field} must be one of {allowed}"),
    "invalid_code": L(
        "{field}须为1至{limit}个字母、数字、“-”或“_”",
        "{field} must be 1 to {limit} letters, digits, '-' or '_'",
    ),
    "deadline_in_past": L("{field}不能早于今天", "{field} must not be before today"),
    "nul_character": L("{field}不能包含 NUL 字符", "{field} must not contain NUL characters"),
    "unpaired_surrogate": L(
        "{field}不是有效的Unicode文本（含有孤立的代理项）",
        "{field} is not valid Unicode text (it holds a lone surrogate)",
    ),
    "discovered_in_future": L("{field}不能晚于今天（{today}）", "{field} must not be after today ({today})"),
    "discovered_too_early": L("{field}不能早于{earliest}", "{field} must not be before {earliest}"),
    "invalid_json": L("请求体不是有效的JSON", "the body is not valid JSON"),
    "json_not_object": L("请求体必须是JSON对象", "the body must be a JSON object"),
    "unknown_unit": L("没有编码为“{unit}”的单位", "no unit with code {unit}"),
    "unknown_campaign": L("没有编码为“{campaign}”的整改行动", "no campaign with code {campaign}"),
    "unknown_issue": L("没有问题“{issue}”", "no issue {issue}"),
    "unknown_aspect": L(
        "整改行动{campaign}中没有方面“{aspect}”", "aspect {aspect} is not in campaign {campaign}"
    ),
    "unknown_category": L(
        "方面{aspect}中没有类别“{category}”", "category {category} is not in aspect {aspect}"
    ),
    "lead_also_co": L("牵头单位{unit}不能同时是配合单位", "the lead unit {unit} cannot also be a co unit"),
    "deadline_required_for_new_units": L(
        "新增单位{units}须给出整改时限（deadline）",
        "deadline is required for a unit new to the issue: {units}",
    ),
    "extension_for_other_unit": L(
        "只有牵头单位的经办人可以为其他单位申请延期",
        "only the lead unit's handlers may ask for another unit's deadline",
    ),
    "not_assigned_to": L("该问题未交办给{unit}", "the issue is not assigned to {unit}"),
    "extension_not_later": L(
        "延期后的期限必须晚于当前期限{deadline}", "an extension must move the deadline later than {deadline}"
    ),
    "duplicate_of_itself": L("问题不能与自身重复", "an issue cannot duplicate itself"),
    "duplicate_of_rejected": L("原问题{issue}本身已不予立项", "the original {issue} is itself rejected"),
    "file_required": L("请至少上传一个文件", "attach at least one file"),
    "empty_file": L("文件{name}为空", "{name} is empty"),
    "file_type_not_allowed": L(
        "文件{name}不是图片、PDF或办公文档", "{name} is not an image, a PDF or an office document"
    ),
    "evidence_metadata_incomplete": L("佐证材料信息缺少：{missing}", "evidence metadata lacks {missing}"),
    "aspects_required": L("整改行动至少需要一个方面", "a campaign needs at least one aspect"),
    "aspect_name_required": L("方面{aspect}需要名称", "aspect {aspect} needs a name"),
    "duplicate_aspect": L("方面编码{aspect}重复", "aspect code {aspect} appears twice"),
    "categories_required": L("方面{aspect}至少需要一个类别", "aspect {aspect} needs at least one category"),
    "category_name_required": L("类别{category}需要名称", "category {category} needs a name"),
    "duplicate_category": L("类别编码{category}重复", "category code {category} appears twice"),
    "letter_without_issues": L("函件至少列出一个问题", "a letter lists at least one issue"),
    "invalid_username": L(
        "用户名须为2至40个小写字母、数字、“.”、“-”或“_”",
        "username must be 2 to 40 lower-case letters, digits, '.', '-' or '_'",
    ),
    "password_too_short": L("密码至少{min}个字符", "a password has at least {min} characters"),
    "root_exists": L("根单位已存在，请指定上级单位", "the root unit exists already: give a parent"),
    "aspect_retired": L(
        "方面“{aspect}”已停用，新问题不能使用", "aspect {aspect} is retired: no new problem may use it"
    ),
    "category_retired": L(
        "类别“{category}”已停用，新问题不能使用", "category {category} is retired: no new problem may use it"
    ),
    "category_cannot_move": L(
        "类别{category}属于方面{aspect}，不能移到其他方面",
        "category {category} belongs to aspect {aspect}: a category cannot move",
    ),
    "unit_closed": L("单位{unit}已撤销", "unit {unit} is closed"),
    "root_cannot_move": L("根单位不能调整上级单位", "the root unit cannot move"),
    "root_cannot_close": L("根单位不能撤销", "the root unit cannot be closed"),
    "move_under_itself": L(
        "单位{unit}不能移到自身或其下级单位{parent}之下",
        "unit {unit} cannot move under itself or a unit below it ({parent})",
    ),
    "own_account_deactivation": L("管理员不能停用自己的账号", "an admin cannot deactivate its own account"),
    # lifecycle (409)
    "extension_pending": L("已有延期申请待审批", "an extension request is already waiting for a decision"),
    "no_extension_request": L("没有待审批的延期申请", "there is no extension request to decide"),
    "dispute_pending": L(
        "{unit}的申诉正在等待处理，处理前不能再次申诉",
        "a dispute by {unit} is already waiting for a decision",
    ),
    "name_taken": L("{thing}“{name}”已存在", "{thing} {name} already exists"),
    # roles and scope (403)
    "role_forbidden": L("{role}不能{action}", "the role {role} may not {action}"),
    "role_forbidden_here": L("{role}无权执行此操作", "the role {role} may not do this"),
    "not_assignee": L(
        "只有牵头或配合单位的经办人可以{action}", "only handlers of the lead or a co unit may {action}"
    ),
    "not_reporter": L(
        "只有登记该问题的用户可以{action}", "only the user who reported the issue may {action}"
    ),
    "verifier_is_submitter": L(
        "验收人不能是提交整改的用户", "the verifier may not be the user who submitted the rectification"
    ),
    "admin_only": L("只有市级管理员可以执行此操作", "only an admin may do this"),
    "admins_and_leaders_only": L("只有管理员和领导可以查看用户列表", "only admins and leaders list users"),
    "outside_own_unit": L(
        "信息员只能登记本单位辖区内的问题", "a clerk reports only problems inside its own unit"
    ),
    "account_deactivated": L("账号已停用", "the account is deactivated"),
    "not_your_tokens": L(
        "只有本人或管理员可以查看用户的令牌", "only the user or an admin lists a user's tokens"
    ),
    # not found (404)
    "no_such": L("没有{thing}“{name}”", "no {thing} {name}"),
    "unknown_user": L("没有用户“{username}”", "no user {username}"),
    "unknown_evidence": L("该问题没有佐证材料“{evidence}”", "no evidence {evidence} on this issue"),
    "evidence_file_missing": L(
        "文件库中缺少该佐证材料文件", "the evidence file is missing from the file store"
    ),
    "issue_not_yet_reported": L("该时间点问题尚未登记", "the issue did not exist yet at that time"),
    # signing in (401)
    "token_required": L("请发送 Authorization: Bearer <令牌>", "send Authorization: Bearer <token>"),
    "malformed_token": L("令牌格式错误", "malformed token"),
    "unknown_token": L("令牌不存在或已吊销", "unknown or revoked token"),
    "wrong_password": L("用户名或密码错误", "wrong username or password"),
    # too large (413)
    "file_too_large": L("文件{name}超过{limit}", "{name} is larger than {limit}"),
    "body_too_large": L("请求体超过{limit}", "the request body is larger than {limit}"),
    # answers that are not domain errors (by HTTP status)
    "bad_request": L("请求无效", "bad request"),
    "json_too_deep": L("JSON请求体嵌套超过{limit}层", "the JSON body nests deeper than {limit} levels"),
    "method_not_allowed": L("不支持该请求方法", "method not allowed"),
    "request_timeout": L("请求体未能及时送达", "the request body did not arrive in time"),
    "uri_too_long": L("请求地址过长", "the request line is too long"),
    "header_fields_too_large": L("请求头过多或过大", "too many or too large header fields"),
    "expectation_failed": L("无法满足 Expect 请求头", "expectation failed"),
    "not_implemented": L("服务器不支持该请求", "not implemented"),
    "not_acceptable": L("无法提供所要求的格式", "not acceptable"),
    "unsupported_media_type": L("不支持该内容类型", "unsupported media type"),
    "too_many_requests": L("请求过于频繁，请稍后再试", "too many requests"),
    "internal_error": L("服务器内部错误", "internal error"),
    # unavailable (503, with Retry-After)
    "service_unavailable": L("服务暂不可用，请稍后再试", "the service is unavailable; try again"),
    "store_busy": L(
        "数据库繁忙（已重试{attempts}次），请稍后再试",
        "the store stayed busy through {attempts} attempts; try again",
    ),
    "database_unavailable": L("数据库暂时无法连接，请稍后再试", "the database is not reachable; try again"),
}

#: The code of an answer that is no domain error (an unknown route, a wrong method...).
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "upload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "invalid_input",
    429: "too_many_requests",
    431: "header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "service_unavailable",
}

#: Parameters whose values are codes of an enumeration.
ENUM_PARAMS: dict[str, type[StrEnum]] = {
    "status": Status,
    "role": Role,
    "source": Source,
    "severity": Severity,
    "kind": UnitKind,
}

#: What ``thing`` (an aggregate's kind) is called.
THINGS: dict[str, Label] = {
    "unit": L("单位", "unit"),
    "user": L("用户", "user"),
    "campaign": L("整改行动", "campaign"),
    "issue": L("问题", "issue"),
}

#: Chinese names of the fields of the API (English keeps the field's own name).
FIELDS_ZH: dict[str, str] = {
    "_": "输入",
    "json": "请求体",
    "campaign": "整改行动",
    "title": "标题",
    "description": "问题描述",
    "source": "问题来源",
    "aspect": "方面",
    "category": "类别",
    "severity": "严重程度",
    "key": "是否重点问题",
    "unit": "单位",
    "units": "单位",
    "discovered_at": "发现日期",
    "lead": "牵头单位",
    "co": "配合单位",
    "co_deadlines": "配合单位期限",
    "deadline": "整改期限",
    "measures": "整改措施",
    "reason": "理由",
    "note": "说明",
    "summary": "整改情况",
    "text": "内容",
    "granted": "是否批准",
    "passed": "是否通过",
    "duplicate_of": "重复的问题",
    "file": "文件",
    "issues": "问题",
    "code": "编码",
    "name": "名称",
    "kind": "单位类型",
    "parent": "上级单位",
    "username": "用户名",
    "password": "密码",
    "role": "角色",
    "active": "是否启用",
    "aspects": "方面",
    "aspects.code": "方面编码",
    "aspects.name": "方面名称",
    "aspects.categories": "类别",
    "aspects.categories.code": "类别编码",
    "aspects.categories.name": "类别名称",
    "status": "状态",
    "page": "页码",
    "per_page": "每页条数",
    "by": "统计维度",
    "as_of": "时间点",
    "q": "关键词",
    "overdue": "是否逾期",
}


def field_name(field: str, lang: Lang) -> str:
    return FIELDS_ZH.get(field, field) if lang == "zh" else ("input" if field == "_" else field)


def shown(name: str, value: Any, lang: Lang) -> str:
    """A parameter as a person reads it."""
    if isinstance(value, list | tuple):
        return ("、" if lang == "zh" else ", ").join(shown(name, v, lang) for v in value)
    if name == "action":
        return action_label(str(value), lang)
    if name in ENUM_PARAMS:
        return label(str(value), lang, ENUM_PARAMS[name])
    if name == "field":
        return field_name(str(value), lang)
    if name == "thing" and str(value) in THINGS:
        return THINGS[str(value)].of(lang)
    return str(value)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(code: str, params: Mapping[str, Any], lang: Lang, fallback: str = "domain_error") -> str:
    """The sentence for ``code`` in ``lang``, filled with ``params``; the
    ``fallback`` code's sentence when ``code`` has none or lacks a parameter."""
    for candidate in (code, fallback, "domain_error"):
        found = MESSAGES.get(candidate)
        if found is None:
            continue
        template = found.of(lang)
        if placeholders(template) <= set(params):
            return template.format(**{k: shown(k, v, lang) for k, v in params.items()})
    return MESSAGES["domain_error"].of(lang)
