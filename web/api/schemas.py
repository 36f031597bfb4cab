"""marshmallow schemas: the JSON of API v1 (CONTRACT.md). Only here, at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from domain.issue import MAX_DESCRIPTION, MAX_TEXT, MAX_TITLE
from domain.text import has_surrogate
from domain.vocabulary import Severity, Source, UnitKind
from web.api.as_of import AsOf

SOURCES = [s.value for s in Source]
SEVERITIES = [s.value for s in Severity]
KINDS = [k.value for k in UnitKind]
ROLES = ["admin", "inspector", "clerk", "handler", "reviewer", "leader"]
STATUSES = ["reported", "assigned", "submitted", "closed", "rejected"]


NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must not contain lone surrogates (invalid Unicode)"


def unstorable(value: Any) -> str | None:
    """Why ``value`` (a string, or lists and objects of them) cannot be
    stored as text, or None: a NUL (PostgreSQL text cannot hold one) or a
    lone surrogate (valid in JSON as ``"\\ud800"``, but no UTF-8 encodes it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return NUL_MESSAGE
        return SURROGATE_MESSAGE if has_surrogate(value) else None
    if isinstance(value, Mapping):
        items: list[Any] = [x for kv in value.items() for x in kv]
    elif isinstance(value, list):
        items = value
    else:
        return None
    return next((why for why in map(unstorable, items) if why), None)


class JsonBoolean(fields.Boolean):
    """A JSON ``true`` or ``false``; nothing else ("yes", "true", 1), 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise self.make_error("invalid", input=value)


class QueryBoolean(fields.Boolean):
    """A boolean in a query string: ``true`` or ``1``, ``false`` or ``0``
    (``true`` and ``false`` in any case); any other word, 422."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": "true or 1, false or 0", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        word = value.lower() if isinstance(value, str) else value
        if word in ("true", "1"):
            return True
        if word in ("false", "0"):
            return False
        raise self.make_error("invalid", input=value)


class QueryInteger(fields.Integer):
    """A whole number in a query string: ASCII digits only, at most 9 (int()
    alone also reads "١", "２", "+1" and "1_0")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 9):
            raise self.make_error("invalid", input=value)
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class In(Schema):
    """Every request schema. An unknown field in a JSON body is 422 naming it
    (CONTRACT.md); query strings keep ignoring unknown parameters (webargs
    loads the query with ``unknown=EXCLUDE``)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _storable(self, data: Any, **_: Any) -> Any:
        """Every value of a field of a body or query, at any depth, is text
        that can be stored (:func:`unstorable`): 422 naming each field that is
        not, before any field is read. (The domain refuses such text too,
        ``domain/text.py``: this names the field of any type.) An unknown
        field is left to ``unknown``: 422 in a body, ignored in a query."""
        if isinstance(data, Mapping):
            bad = {k: why for k in self.fields if k in data and (why := unstorable(data[k]))}
            if bad:
                raise ValidationError({k: [why] for k, why in bad.items()})
        return data


# -- tokens ------------------------------------------------------------------------
class TokenRequest(In):
    username = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)


class TokenAnswer(Schema):
    token = fields.String(required=True)
    token_id = fields.String()
    username = fields.String()


class TokenInfo(Schema):
    token_id = fields.String()
    label = fields.String()
    last_used_at = fields.DateTime(allow_none=True)


# -- units, users, campaigns --------------------------------------------------------------
class UnitIn(In):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    parent = fields.String(load_default=None, allow_none=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.String(allow_none=True)
    path = fields.List(fields.String())
    active = fields.Boolean(metadata={"description": "false once the unit is closed"})


class UnitQuery(In):
    parent = fields.String()


class UserIn(In):
    username = fields.String(required=True, validate=validate.Length(min=2, max=40))
    name = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))


class UserOut(Schema):
    id = fields.String()
    username = fields.String()
    name = fields.String()
    role = fields.String()
    unit = fields.String()
    active = fields.Boolean()


class UserQuery(In):
    unit = fields.String()


class CategoryIn(In):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AspectIn(In):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    categories = fields.List(fields.Nested(CategoryIn), required=True, validate=validate.Length(min=1))


class CampaignIn(In):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    deadline = fields.Date(required=True)
    aspects = fields.List(fields.Nested(AspectIn), required=True, validate=validate.Length(min=1))


RETIRED = "true once left out of a PATCH: no new problem may use it; its problems keep it"


class CategoryOut(Schema):
    code = fields.String()
    name = fields.String()
    retired = fields.Boolean(dump_default=False, metadata={"description": RETIRED})


class AspectOut(Schema):
    code = fields.String()
    name = fields.String()
    categories = fields.List(fields.Nested(CategoryOut))
    retired = fields.Boolean(dump_default=False, metadata={"description": RETIRED})


class CampaignOut(Schema):
    code = fields.String()
    name = fields.String()
    deadline = fields.Date()
    aspects = fields.List(fields.Nested(AspectOut))


# -- admin changes (PATCH): any of the fields, at least one; unknown ones are 422 ----------
class Patch(In):
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_TEXT),
        metadata={"description": "why: kept on each event the change records"},
    )

    @validates_schema
    def _at_least_one(self, data: dict[str, Any], **_: Any) -> None:
        if not set(data) - {"reason"}:
            names = ", ".join(sorted(set(self.fields) - {"reason"}))
            raise ValidationError(f"give at least one of {names}", "_")


class UserPatch(Patch):
    name = fields.String(validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.OneOf(ROLES))
    unit = fields.String(validate=validate.Length(min=1, max=40))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=200))
    active = JsonBoolean(metadata={"description": "false deactivates (its tokens end), true reactivates"})


class UnitPatch(Patch):
    name = fields.String(validate=validate.Length(min=1, max=100))
    parent = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "moves the unit and its subtree (never under itself or below it)"},
    )
    active = JsonBoolean(metadata={"description": "false closes the unit, true reopens it"})


class CampaignPatch(Patch):
    name = fields.String(validate=validate.Length(min=1, max=200))
    deadline = fields.Date()
    aspects = fields.List(
        fields.Nested(AspectIn),
        validate=validate.Length(min=1),
        metadata={
            "description": "the live taxonomy: new codes are added, names change, an aspect or "
            "category left out is retired, a retired one given again is restored"
        },
    )


# -- issues ------------------------------------------------------------------------------
class IssueIn(In):
    campaign = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TITLE))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    aspect = fields.String(required=True, validate=validate.Length(min=1, max=40))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    severity = fields.String(load_default="general", validate=validate.OneOf(SEVERITIES))
    key = JsonBoolean(load_default=False)
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    discovered_at = fields.Date(load_default=None, allow_none=True)


class AssignmentOut(Schema):
    unit = fields.String()
    role = fields.String()
    deadline = fields.Date()
    overdue = fields.Boolean()
    warned = fields.Boolean()


class IssueOut(Schema):
    id = fields.String(required=True)
    code = fields.String(required=True)
    campaign = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)
    aspect = fields.String(required=True)
    category = fields.String(required=True)
    severity = fields.String(required=True)
    key = fields.Boolean(required=True)
    unit = fields.String(required=True)
    status = fields.String(required=True)
    assignments = fields.List(fields.Nested(AssignmentOut), required=True)
    lead = fields.String(allow_none=True)
    deadline = fields.Date(allow_none=True, required=True)
    overdue = fields.Boolean(required=True)
    discovered_at = fields.Date()
    reported_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime()
    version = fields.Integer(required=True)


class EvidenceOut(Schema):
    """One evidence file as the API shows it; where the store keeps it stays inside."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    content_type = fields.String()


class IssueDetailOut(IssueOut):
    measures = fields.String()
    reported_by = fields.Dict(keys=fields.String(), values=fields.String())
    pending_extension = fields.Dict(allow_none=True)
    pending_dispute = fields.Dict(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceOut))
    discovery_evidence = fields.List(fields.Nested(EvidenceOut))
    letters = fields.List(fields.Dict())
    duplicate_of = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)


class IssueQuery(In):
    status = fields.String()
    unit = fields.String()
    campaign = fields.String()
    aspect = fields.String()
    category = fields.String()
    source = fields.String(validate=validate.OneOf(SOURCES))
    overdue = QueryBoolean()
    q = fields.String(validate=validate.Length(max=200))
    page = QueryInteger(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = QueryInteger(load_default=20, validate=validate.Range(min=1, max=100))
    as_of = AsOf()


class IssuePage(Schema):
    items = fields.List(fields.Nested(IssueOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AsOfQuery(In):
    as_of = AsOf()


class HistoryOut(Schema):
    version = fields.Integer()
    type = fields.String()
    at = fields.Function(
        lambda entry: entry.at.isoformat(timespec="microseconds"),
        metadata={"type": "string", "format": "date-time"},
    )
    actor = fields.Dict(keys=fields.String(), values=fields.String())
    data = fields.Function(lambda entry: _shown_data(entry.data), metadata={"type": "object"})


def _shown_data(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data without where the file store keeps its files."""
    files = data.get("files")
    if not isinstance(files, list):
        return data
    shown = [{k: v for k, v in f.items() if k != "storage_key"} if isinstance(f, dict) else f for f in files]
    return {**data, "files": shown}


# -- issue commands -------------------------------------------------------------------------
class AssignIn(In):
    lead = fields.String(required=True, validate=validate.Length(min=1, max=40))
    co = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    deadline = fields.Date(required=True)
    measures = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))


class ReassignIn(In):
    lead = fields.String(required=True, validate=validate.Length(min=1, max=40))
    co = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    deadline = fields.Date(load_default=None, allow_none=True)


class NoteIn(In):
    note = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ExtensionIn(In):
    deadline = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    units = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=None,
        validate=validate.Length(min=1, max=20),
    )


class DecisionIn(In):
    granted = JsonBoolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))


class SubmitIn(In):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class VerifyIn(In):
    passed = JsonBoolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))


class ReopenIn(In):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    deadline = fields.Date(load_default=None, allow_none=True)


class RejectIn(In):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    duplicate_of = fields.String(load_default=None, allow_none=True)


class CommentIn(In):
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class DisputeIn(In):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ReclassifyIn(In):
    aspect = fields.String(required=True)
    category = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    key = JsonBoolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class EvidenceForm(In):
    """The fields of the multipart evidence upload beside its files: read by
    the same rules as a JSON body (NUL, lone surrogates, lengths: 422 naming
    the field). A form field it does not know is ignored, as browsers send
    their own."""

    class Meta:
        unknown = EXCLUDE

    note = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))


class EvidenceUploadDoc(Schema):
    """Documentation of the multipart evidence upload."""

    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True)
    note = fields.String()


class EvidenceAnswer(Schema):
    evidence = fields.List(fields.Nested(EvidenceOut))


# -- stats --------------------------------------------------------------------------------------
class StatsQuery(In):
    by = fields.String(load_default="unit", validate=validate.OneOf(["unit", "aspect", "source"]))
    campaign = fields.String()
    as_of = AsOf()


class StatsRowOut(Schema):
    key = fields.String()
    name = fields.String()
    total = fields.Integer()
    open = fields.Integer()
    closed = fields.Integer()
    rejected = fields.Integer()
    overdue = fields.Integer()
    closure_rate = fields.Float()
    on_time_rate = fields.Float()


class StatsOut(Schema):
    as_of = fields.DateTime()
    by = fields.String()
    rows = fields.List(fields.Nested(StatsRowOut))
