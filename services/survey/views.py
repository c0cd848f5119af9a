"""Survey's read side: the members it learned from `registration.events`, response counts, and the queries
the API asks (`SurveyViews`) over them and over `survey_views` (each survey's current state, written by the
unit of work in the same transaction as the survey's events).

`members`: {_id: member_id, years: [year, ...], group_ids: [...], left_on} — no personal data.
`survey_counts`: {_id: survey_id, status, responses} — written in the same transaction as the
survey's events and every response, so the count never drifts and a response racing a close
conflicts on this document instead of slipping in after it.
"""

from __future__ import annotations

from typing import Callable

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.config import Settings
from jajo.errors import Conflict
from services.registration import events as registration

MEMBER_EVENTS = frozenset(
    {registration.MemberJoined.name, registration.MemberLeft.name, registration.MemberErased.name}
)


# --- members --------------------------------------------------------------------------------------
class MembersProjection:
    """Every member who ever joined a group, with the group's year. Both member events carry the year,
    so applying them in any order gives the same document."""

    name = "survey-registration-view"
    known_types = registration.CATALOGUE.names

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.topics = [settings.topic(registration.CATALOGUE.topic)]

    def apply(self, envelope: dict, session: ClientSession) -> None:
        if envelope["type"] not in MEMBER_EVENTS:
            return
        data = envelope["data"]
        if envelope["type"] == registration.MemberErased.name:  # an erased member answers no more surveys
            self.db["members"].update_one(
                {"_id": str(data["member_id"])}, {"$set": {"erased": True}}, upsert=True, session=session
            )
            return
        member_id, year, group_id = data["member_id"], data["year"], data["group_id"]
        if not isinstance(member_id, str) or not member_id or isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"{envelope['type']} without a usable member_id and year")
        change: dict = {"$addToSet": {"years": year, "group_ids": group_id}}
        if envelope["type"] == registration.MemberLeft.name:
            change["$set"] = {"left_on": data.get("left_on")}
        self.db["members"].update_one({"_id": member_id}, change, upsert=True, session=session)


# --- response counts ------------------------------------------------------------------------------
def response_counts(db: Database, survey_ids: list[str]) -> dict[str, int]:
    if len(survey_ids) == 1:
        found = db["survey_counts"].find_one({"_id": survey_ids[0]})
        return {survey_ids[0]: found["responses"]} if found else {}
    return {doc["_id"]: doc["responses"] for doc in db["survey_counts"].find({"_id": {"$in": survey_ids}})}


# --- queries --------------------------------------------------------------------------------------
class SurveyViews:
    def __init__(self, db: Database):
        self.db = db

    def ensure_indexes(self) -> None:
        self.db["survey_views"].create_index([("year", ASCENDING)])

    def survey(self, survey_id: str) -> dict | None:
        """A survey's current state with its `response_count`."""
        view = self.db["survey_views"].find_one({"_id": survey_id})
        return None if view is None else _out(view, response_counts(self.db, [survey_id]).get(survey_id, 0))

    def written(self, survey) -> dict:
        """A survey as its command left it (its view is written in the command's transaction, not committed yet),
        with the committed responses counted."""
        view = {"_id": survey.id, **survey.view(), "version": survey.version}
        return _out(view, response_counts(self.db, [survey.id]).get(survey.id, 0))

    def surveys(self, selector: dict) -> list[dict]:
        """The surveys matching `selector` (year, status), with their response counts, by year and title."""
        views = list(self.db["survey_views"].find(selector))
        counts = response_counts(self.db, [v["_id"] for v in views]) if views else {}
        return sorted((_out(v, counts.get(v["_id"], 0)) for v in views), key=lambda s: (s["year"], s["title"], s["id"]))

    def status(self, survey_id: str) -> str | None:
        view = self.db["survey_views"].find_one({"_id": survey_id}, {"status": 1})
        return None if view is None else view["status"]

    def member(self, member_id: str) -> dict | None:
        return self.db["members"].find_one({"_id": member_id})

    def member_years(self, member_id: str) -> set[int] | None:
        """The years of the groups a member joined; None when survey has not heard of the member."""
        member = self.db["members"].find_one({"_id": member_id}, {"years": 1})
        return None if member is None else set(member.get("years", []))

    # --- the response counters, written by a command's unit of work in its transaction (`after_append`) ----------
    def open_counter(self, survey_id: str) -> Callable[[ClientSession], None]:
        def write(session: ClientSession) -> None:
            self.db["survey_counts"].insert_one({"_id": survey_id, "status": "open", "responses": 0}, session=session)

        return write

    def close_counter(self, survey_id: str) -> Callable[[ClientSession], None]:
        def write(session: ClientSession) -> None:
            self.db["survey_counts"].update_one({"_id": survey_id}, {"$set": {"status": "closed"}}, session=session)

        return write

    def count_response(self, survey_id: str) -> Callable[[ClientSession], None]:
        def write(session: ClientSession) -> None:
            counted = self.db["survey_counts"].find_one_and_update(
                {"_id": survey_id, "status": "open"}, {"$inc": {"responses": 1}}, session=session
            )
            if counted is None:  # the survey closed while this response was being decided
                raise Conflict(f"survey {survey_id} is closed and takes no more responses")

        return write


def _out(view: dict, count: int) -> dict:
    return {"id": view.pop("_id"), **view, "response_count": count}
