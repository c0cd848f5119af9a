"""Reporting's HTTP blueprint."""
from __future__ import annotations

from flask_smorest import Blueprint

from jajo.http.app import service
from services.reporting import audit
from services.reporting.schemas import EventList

blp = Blueprint("audit", __name__, description="The audit history of every event")


@blp.get("/audit/subjects/<subject>")
@blp.response(200, EventList)
def subject_history(subject: str):
    """One aggregate's full history, in version order."""
    return {"events": audit.subject_history(service().db, subject)}
