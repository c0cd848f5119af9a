"""Registration's read side: queries over `group_views`, the current-state document of each group that the
unit of work writes in the same transaction as the group's events."""

from __future__ import annotations

from typing import Protocol

from pymongo import ASCENDING
from pymongo.database import Database

from jajo.envelope import unwrap
from jajo.errors import NotFound
from services.registration.domain import CLOSED, Group

GROUPS = "group_views"


class History(Protocol):
    def load(self, aggregate_id: str) -> list[dict]: ...


def read_group(store: History, group_id: str) -> Group:
    """A group as its whole history has it (every member, also those who left or were erased), for reading."""
    return read_group_history(store, group_id)[0]


def read_group_history(store: History, group_id: str) -> tuple[Group, list[dict]]:
    """The group read, and the history it was rebuilt from (personal fields opened)."""
    history = store.load(group_id)
    if not history or history[0].get("aggregatetype") != Group.aggregate_type:
        raise NotFound(f"group {group_id} does not exist")
    return Group.rehydrate(group_id, (unwrap(envelope) for envelope in history)), history


def _doc(view: dict | None) -> dict | None:
    return None if view is None else {"id": view.pop("_id"), **view}


class RegistrationViews:
    def __init__(self, db: Database):
        self.db = db

    def ensure_indexes(self) -> None:
        self.db[GROUPS].create_index([("year", ASCENDING)], name="year")
        self.db[GROUPS].create_index([("status", ASCENDING), ("year", ASCENDING)], name="status_year")

    def groups(self, year: int | None = None) -> list[dict]:
        """The groups of a year (all without one), without their members, ordered by name."""
        selector = {"year": year} if year is not None else {}
        views = [{"id": v.pop("_id"), **v} for v in self.db[GROUPS].find(selector, {"members": 0})]
        return sorted(views, key=lambda v: (v["name"], v["id"]))

    def group(self, group_id: str) -> dict | None:
        return _doc(self.db[GROUPS].find_one({"_id": group_id}))

    def closed_groups(self, through_year: int) -> list[str]:
        """The ids of the closed groups of program years up to `through_year`, oldest year first."""
        found = self.db[GROUPS].find({"status": CLOSED, "year": {"$lte": through_year}}, {"year": 1})
        return [view["_id"] for view in found.sort([("year", ASCENDING), ("_id", ASCENDING)])]
