from __future__ import annotations

from marshmallow import Schema, fields, validate


class GroupIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100), metadata={"description": "1–100 characters"})
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2020, 2100))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class GroupOut(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "the aggregate's event count"})
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    theme = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["formed", "approved", "closed"]))


class GroupQuery(Schema):
    year = fields.Integer(validate=validate.Range(2020, 2100))


class GroupList(Schema):
    groups = fields.List(fields.Nested(GroupOut), required=True)
