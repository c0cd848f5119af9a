"""The schema of what a group still owes, as activity's and reporting's APIs both answer it."""

from __future__ import annotations

from marshmallow import Schema, fields


class OwedDocument(Schema):
    """A document a group still owes (services.program.rules.documents_owed)."""

    kind = fields.String(required=True, metadata={"description": "activity_plan | result_report | receipt"})
    year = fields.Integer(allow_none=True)
    session_id = fields.String(allow_none=True, metadata={"description": "the held special session (result_report)"})
    expense_id = fields.String(allow_none=True, metadata={"description": "the claim (receipt)"})
    date = fields.String(allow_none=True, metadata={"description": "the session's or the claim's date"})
    detail = fields.String(required=True, metadata={"description": "what is owed, in words"})
