"""Activity's read side: its view of registration's groups, and queries over its own current-state views."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from jajo.answers import forget_answers
from jajo.config import Settings
from jajo.errors import Forbidden, NotYetKnown
from services.activity.domain import Budget, GroupFacts, budget_id
from services.activity.files import DocumentFiles
from services.registration import events as registration

GROUPS = "registration_groups"
DOCUMENTS = "document_views"
SESSIONS = "session_views"
PEOPLE = "registration_people"  # every member and child id registration told of, to tell "unknown" from "not yet"


class RegistrationView:
    """Projects `registration.events` into `registration_groups`. Every update is a commutative `$set`
    of flags, so redelivered or reordered events leave the same document."""

    name = "activity-registration-view"
    known_types = None  # registration may add event types; those this view does not need are skipped

    def __init__(self, db: Database, settings: Settings, files: DocumentFiles):
        self.db = db
        self.files = files
        self.topics = [settings.topic(registration.CATALOGUE.topic)]

    def apply(self, envelope: dict, session: ClientSession) -> None:
        event_type, data = envelope["type"], envelope["data"]
        if event_type not in registration.CATALOGUE.names:
            return
        group_id = data["group_id"]
        if not isinstance(group_id, str) or not group_id:
            raise ValueError("group_id is not a non-empty string")
        if event_type == registration.MemberErased.name:  # an erased member is no guardian any more
            erased = {f"members.{_member_key(data['member_id'])}.erased": True}
            self.db[GROUPS].update_one({"_id": group_id}, {"$set": erased}, upsert=True, session=session)
            documents = [d for d in data.get("documents") or [] if isinstance(d, str)]
            self._delete_files(group_id, documents, session)
            self._forget_notes(group_id, data["member_id"], session)
            for subject in (data["member_id"], *documents):  # the stored answers that echo a note or a filename
                forget_answers(self.db, subject, session)
            return
        changes: dict[str, Any] = {"year": int(data["year"])}
        if event_type == registration.GroupFormed.name:
            changes["formed"] = True
        elif event_type == registration.GroupApproved.name:
            changes["approved"] = True
        elif event_type == registration.GroupClosed.name:
            changes["closed"] = True
        elif event_type == registration.MemberJoined.name:
            member = _member_key(data["member_id"])
            changes[f"members.{member}.joined"] = True
            changes[f"members.{member}.child_ids"] = [str(child["child_id"]) for child in data["children"]]
            self._hear_of([member, *changes[f"members.{member}.child_ids"]], group_id, session)
        else:  # MemberLeft
            changes[f"members.{_member_key(data['member_id'])}.left"] = True
        self.db[GROUPS].update_one({"_id": group_id}, {"$set": changes}, upsert=True, session=session)

    def _delete_files(self, group_id: str, document_ids: list[str], session: ClientSession) -> None:
        """The files of the group's documents an erasure names, and their names in the views (the events hold
        the names sealed under the documents' keys, which the erasure destroyed). A repeat finds them gone."""
        query = {"_id": {"$in": document_ids}, "group_id": group_id}
        for document in self.db[DOCUMENTS].find(query, {"_id": 1}, session=session):
            self.files.delete(document["_id"])
        self.db[DOCUMENTS].update_many(query, {"$set": {"filename": None}}, session=session)

    def _forget_notes(self, group_id: str, member_id: str, session: ClientSession) -> None:
        """The member's own words in the group's session views: their connection reports' notes (sealed under
        their key in the events). The sessions are read by the group's index and written back whole."""
        query = {"group_id": group_id, "connections.member_id": member_id}
        for view in self.db[SESSIONS].find(query, {"connections": 1}, session=session):
            connections = [c | {"note": None} if c.get("member_id") == member_id else c for c in view["connections"]]
            self.db[SESSIONS].update_one({"_id": view["_id"]}, {"$set": {"connections": connections}}, session=session)

    def _hear_of(self, people: list[str], group_id: str, session: ClientSession) -> None:
        for person in people:
            self.db[PEOPLE].update_one({"_id": person}, {"$set": {"group_id": group_id}}, upsert=True, session=session)


def _member_key(member_id: object) -> str:
    if not isinstance(member_id, str) or not member_id or "." in member_id or member_id.startswith("$"):
        raise ValueError(f"member_id {member_id!r} is not a usable id")
    return member_id


def _doc(view: dict) -> dict:
    return {"id": view.pop("_id"), **view}


def _found(view: dict | None) -> dict | None:
    return None if view is None else _doc(view)


class ActivityViews:
    def __init__(self, db: Database):
        self.db = db

    def ensure_indexes(self) -> None:
        self.db[SESSIONS].create_index([("group_id", ASCENDING), ("year", ASCENDING)])
        self.db[SESSIONS].create_index("year")
        self.db["expense_views"].create_index([("group_id", ASCENDING), ("year", ASCENDING)])
        self.db["expense_views"].create_index([("status", ASCENDING), ("year", ASCENDING)])
        self.db["expense_views"].create_index("year")
        self.db[DOCUMENTS].create_index([("group_id", ASCENDING), ("year", ASCENDING)])
        self.db["budget_views"].create_index("year")

    # --- registration's groups -------------------------------------------------------------------
    def group(self, group_id: str) -> GroupFacts | None:
        doc = self.db[GROUPS].find_one({"_id": group_id})
        if doc is None or not (doc.get("formed") or doc.get("approved") or doc.get("closed")):
            return None
        members = {
            member_id: tuple(m.get("child_ids", ()))
            for member_id, m in (doc.get("members") or {}).items()
            if m.get("joined") and not m.get("left") and not m.get("erased")
        }
        return GroupFacts(group_id, doc.get("year"), bool(doc.get("approved")), bool(doc.get("closed")), members)

    def require_heard_of(self, people: list[str]) -> None:
        """An id registration never told activity of is most likely a join still on its way: retry."""
        wanted = list(dict.fromkeys(people))
        heard = {doc["_id"] for doc in self.db[PEOPLE].find({"_id": {"$in": wanted}}, {"_id": 1})}
        if len(heard) < len(wanted):
            raise NotYetKnown(
                f"{len(wanted) - len(heard)} listed people are not known to activity (yet): retry shortly"
            )

    def guardian_group(self, member_id: str) -> str:
        """The group of a current member acting as guardian: 409 (retry) while registration's join has not
        reached activity, as for an unknown group; 403 for a member who left or was erased, or no member."""
        person = self.db[PEOPLE].find_one({"_id": member_id})
        if person is None:
            raise NotYetKnown(f"member {member_id} is not known to activity (yet): retry shortly")
        doc = self.db[GROUPS].find_one({"_id": person["group_id"]}, {f"members.{_member_key(member_id)}": 1}) or {}
        member = (doc.get("members") or {}).get(member_id) or {}
        if not member.get("joined") or member.get("left") or member.get("erased"):
            raise Forbidden(f"{member_id} is not a current member of a group")
        return person["group_id"]

    def require_group(self, group_id: str) -> GroupFacts:
        group = self.group(group_id)
        if group is None:
            raise NotYetKnown(f"group {group_id} is not known to activity (yet): retry shortly", retry_after=1)
        return group

    # --- activity's own views ----------------------------------------------------------------------
    def session(self, session_id: str) -> dict | None:
        return _found(self.db[SESSIONS].find_one({"_id": session_id}))

    def sessions(self, group_id: str | None = None, year: int | None = None) -> list[dict]:
        query = {k: v for k, v in (("group_id", group_id), ("year", year)) if v is not None}
        docs = [_doc(v) for v in self.db[SESSIONS].find(query)]
        return sorted(docs, key=lambda s: (s["date"], s["start"]))  # sorted here: cheaper than a server sort

    def space_day(self, day_id: str) -> dict | None:
        return _found(self.db["space_day_views"].find_one({"_id": day_id}))

    def budget(self, group_id: str, year: int) -> dict | None:
        return _found(self.db["budget_views"].find_one({"_id": budget_id(group_id, year)}))

    def budgets(self, year: int) -> list[dict]:
        return sorted((_doc(v) for v in self.db["budget_views"].find({"year": year})), key=lambda b: b["group_id"])

    def expense(self, expense_id: str) -> dict | None:
        return _found(self.db["expense_views"].find_one({"_id": expense_id}))

    def expenses(self, group_id: str, year: int) -> list[dict]:
        return sorted(
            (_doc(v) for v in self.db["expense_views"].find({"group_id": group_id, "year": year})),
            key=lambda e: (e["date"], e["id"]),
        )

    def expense_page(self, query: dict, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Claims matching indexed filters (group_id, year, status), a page at a time by (date, id). Sorted here
        rather than by SecantusDB, which is slow at sorting; one filter's matches are a year's claims at most."""
        found = self.db["expense_views"].find({k: v for k, v in query.items() if v is not None})
        ordered = sorted((_doc(v) for v in found), key=lambda e: (e["date"], e["id"]))
        if cursor:
            ordered = [e for e in ordered if f"{e['date']}|{e['id']}" > cursor]
        page = ordered[:limit]
        more = len(ordered) > limit
        return page, f"{page[-1]['date']}|{page[-1]['id']}" if more else None

    def document(self, document_id: str) -> dict | None:
        return _found(self.db[DOCUMENTS].find_one({"_id": document_id}))

    def documents(self, group_id: str, year: int | None = None) -> list[dict]:
        query = {"group_id": group_id, **({"year": year} if year is not None else {})}
        return [_doc(v) for v in self.db[DOCUMENTS].find(query)]

    def expense_writer(self, budget: Budget, expense_id: str):
        """For `uow.after_append`: the expense's own view (its id → its budget) in the same transaction."""

        def write(session: ClientSession) -> None:
            expense = {**budget.expense(expense_id), "budget_id": budget.id, "version": budget.version}
            expense["_id"] = expense.pop("id")
            self.db["expense_views"].replace_one({"_id": expense["_id"]}, expense, upsert=True, session=session)

        return write
