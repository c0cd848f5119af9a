"""What a guardian (a member, through the portal) may do in activity: read its own group's sessions and
documents (with their review) and what the group still owes, upload its group's documents, and report its
connection to its group's held online sessions. Everything else → 403 (jajo.http.guardians)."""

from __future__ import annotations

from flask import request

from jajo.http.app import service
from jajo.http.guardians import GuardianPolicy, body_value, path_value, require


def _own(group_id: str | None, member_id: str) -> None:
    require(
        group_id is not None and group_id == service().views.guardian_group(member_id),
        "a guardian may only see and send what concerns its own group",
    )


def _group_in_path(member_id: str) -> None:
    _own(path_value("group_id"), member_id)


def _group_in_query(member_id: str) -> None:
    _own(request.args.get("group_id"), member_id)


def _group_in_body(member_id: str) -> None:
    _own(body_value("group_id"), member_id)


def _of_record(view: str, key: str):
    def rule(member_id: str) -> None:
        record = getattr(service().views, view)(path_value(key))
        if record is None:
            service().views.guardian_group(member_id)  # still 403/409 for a non-member; else the handler's 404
            return
        _own(record["group_id"], member_id)

    return rule


def _connection(member_id: str) -> None:
    _of_record("session", "session_id")(member_id)
    require(body_value("member_id") in (None, member_id), "a guardian reports its own connection only")


POLICY = GuardianPolicy(
    {
        "sessions.list_sessions": _group_in_query,
        "sessions.get_session": _of_record("session", "session_id"),
        "sessions.report_connection": _connection,
        "documents.submit_document": _group_in_body,
        "documents.get_document": _of_record("document", "document_id"),
        "documents.document_content": _of_record("document", "document_id"),
        "documents.list_documents": _group_in_path,
        "documents.missing": _group_in_path,
    }
)
