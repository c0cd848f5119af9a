"""What a guardian (a member, through the portal) may do in survey: read the open surveys and answer them as
itself. Everything else → 403 (jajo.http.guardians). A member who left or was erased → 403; one survey has
not heard of yet → 409 with Retry-After (as for a respondent it does not know yet)."""

from __future__ import annotations

from jajo.errors import NotYetKnown
from jajo.http.app import service
from jajo.http.guardians import GuardianPolicy, body_value, guardian_actor, path_value, require
from services.survey.domain import OPEN


def current_member(member_id: str) -> None:
    member = service().views.member(member_id)
    if member is None:
        raise NotYetKnown(f"member {member_id} is not known to the survey service yet; retry shortly")
    require(not member.get("left_on") and not member.get("erased"), f"{member_id} is no longer a member")


def _open_survey(member_id: str) -> None:
    current_member(member_id)
    status = service().views.status(path_value("survey_id"))
    require(status in (None, OPEN), "a guardian sees open surveys only")


def _own_response(member_id: str) -> None:
    current_member(member_id)
    require(body_value("respondent") == member_id, "a guardian answers as itself only (respondent)")


def visible(query: dict) -> dict:
    """The survey list a guardian sees: open surveys only."""
    return {**query, "status": OPEN} if guardian_actor() else query


POLICY = GuardianPolicy(
    {
        "surveys.list_surveys": current_member,
        "surveys.get_survey": _open_survey,
        "surveys.submit_response": _own_response,
    }
)
