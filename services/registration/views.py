"""Registration's read side: queries over `group_views`, the current-state document of each group that the
unit of work writes in the same transaction as the group's events."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

GROUPS = "group_views"


def _doc(view: dict | None) -> dict | None:
    return None if view is None else {"id": view.pop("_id"), **view}


class RegistrationViews:
    def __init__(self, db: Database):
        self.db = db

    def ensure_indexes(self) -> None:
        self.db[GROUPS].create_index([("year", ASCENDING)], name="year")

    def groups(self, year: int | None = None) -> list[dict]:
        """The groups of a year (all without one), without their members, ordered by name."""
        selector = {"year": year} if year is not None else {}
        views = [{"id": v.pop("_id"), **v} for v in self.db[GROUPS].find(selector, {"members": 0})]
        return sorted(views, key=lambda v: (v["name"], v["id"]))

    def group(self, group_id: str) -> dict | None:
        return _doc(self.db[GROUPS].find_one({"_id": group_id}))
