"""The annual and group reports, computed from read models (MongoDB's or the in-memory replay's)."""

from __future__ import annotations

from typing import Any, Protocol

from services.program.rules import CONNECTION_STATUSES, documents_owed
from services.reporting.projection import KINDS, VENUES, answer_key, esc, unesc

LIKERT = range(1, 6)


class ReadModels(Protocol):
    def get(self, coll: str, doc_id: str) -> dict | None: ...

    def find(self, coll: str, **equal: Any) -> list[dict]: ...


def _ratio(part: float, whole: float, digits: int) -> float:
    return round(part / whole, digits) if whole else 0.0


def likert_summary(histogram: dict) -> dict:
    counts = {value: int(histogram.get(answer_key(value), 0)) for value in LIKERT}
    responses = sum(counts.values())
    positive = counts[4] + counts[5]
    mean = sum(value * n for value, n in counts.items()) / responses if responses else 0.0
    return {
        "responses": responses,
        "positive": positive,
        "positive_rate": _ratio(positive, responses, 4),
        "mean": round(mean, 4),
        "score100": round((mean - 1) / 4 * 100, 4) if responses else 0.0,
        "distribution": {str(value): n for value, n in counts.items()},
    }


def _satisfaction(surveys: list[dict]) -> tuple[list[dict], dict[str, dict[str, int]]]:
    questions: list[dict] = []
    choices: dict[str, dict[str, int]] = {}
    for survey in sorted(surveys, key=lambda s: s["_id"]):
        histograms = survey.get("hist", {})
        for question in survey.get("questions") or []:
            histogram = histograms.get(esc(question["id"]), {})
            if question["kind"] == "likert5":
                questions.append(
                    {
                        "id": question["id"],
                        "survey_id": survey["_id"],
                        "text": question.get("text"),
                        "category": question.get("category"),
                        **likert_summary(histogram),
                    }
                )
            elif question["kind"] == "choice":
                counts = choices.setdefault(question["id"], {})
                for option in question.get("options") or []:
                    counts[option] = counts.get(option, 0) + int(histogram.get(answer_key(option), 0))
    return questions, choices


def online(year_doc: dict, sessions_held: int) -> dict:
    """The held online sessions and their guardians' latest connection report each. Whatever order the reports
    were recorded in gives the same answer (an `as_of` from a snapshot folds them in another order than a full
    replay): equal report numbers are told apart by status, and unknown statuses are listed sorted."""
    latest: dict[tuple[str, str], dict] = {}
    for r in year_doc.get("online_reports", []):
        key = (r["session_id"], r["member_id"])
        if key not in latest or (r["report_no"], r["status"]) > (latest[key]["report_no"], latest[key]["status"]):
            latest[key] = r
    by_status = {status: 0 for status in CONNECTION_STATUSES}
    for _, r in sorted(latest.items()):
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    reports = len(latest)
    return {
        "sessions_held": sessions_held,
        "reports": reports,
        "by_status": by_status,
        "problem_rate": _ratio(reports - by_status["ok"], reports, 4),
    }


def _groups(groups: list[dict]) -> dict:
    return {
        "formed": sum(1 for g in groups if g.get("formed")),
        "approved": sum(1 for g in groups if g.get("approved")),
        "active": sum(1 for g in groups if g.get("held", 0) > 0),
    }


def annual(models: ReadModels, year: int, as_of: str) -> dict:
    y = models.get("years", str(year)) or {}
    sessions, participation = y.get("sessions", {}), y.get("participation", {})
    months, budget = y.get("months", {}), y.get("budget", {})
    # kinds and venues beyond the known ones follow them sorted, not in the order they were first recorded
    venues: dict[str, dict] = {esc(name): {} for name in VENUES} | dict(sorted(y.get("venues", {}).items()))
    by_kind = {kind: 0 for kind in KINDS} | {unesc(k): n for k, n in sorted(sessions.get("by_kind", {}).items())}
    questions, choices = _satisfaction(models.find("surveys", year=year))
    return {
        "year": year,
        "groups": _groups(models.find("groups", year=year)),
        "members": {"guardians": len(y.get("member_ids", [])), "children": len(y.get("member_child_ids", []))},
        "sessions": {"held": sessions.get("held", 0), "cancelled": sessions.get("cancelled", 0), "by_kind": by_kind},
        "participation": {
            "parents": participation.get("parents", 0),
            "children": participation.get("children", 0),
            "unique_parents": len(y.get("attended_parents", [])),
            "unique_children": len(y.get("attended_children", [])),
        },
        "by_month": [
            {
                "month": f"{year}-{m:02d}",
                "sessions": months.get(f"{m:02d}", {}).get("sessions", 0),
                "parents": months.get(f"{m:02d}", {}).get("parents", 0),
                "children": months.get(f"{m:02d}", {}).get("children", 0),
                "cancelled": months.get(f"{m:02d}", {}).get("cancelled", 0),
            }
            for m in range(1, 13)
        ],
        "venues": {
            unesc(name): {"sessions": v.get("sessions", 0), "hours": round(v.get("minutes", 0) / 60, 2)}
            for name, v in venues.items()
        },
        "budget": {name: budget.get(name, 0) for name in ("allocated", "claimed", "approved", "rejected")},
        "satisfaction": {"questions": questions},
        "choices": choices,
        "online": online(y, by_kind.get("online", 0)),
        "as_of": as_of,
    }


# --- one group ----------------------------------------------------------------------------------------
def _status(record: dict, flags: tuple[str, ...], otherwise: str) -> str:
    """A read model's status: the first of its `flags` that is set (each named as the status it stands for)."""
    return next((flag for flag in flags if record.get(flag)), otherwise)


def session_status(session: dict) -> str:
    return _status(session, ("held", "cancelled"), "scheduled")


def expense_status(expense: dict) -> str:
    return _status(expense, ("rejected", "approved"), "claimed")


def missing_documents(year: int | None, sessions: list[dict], expenses: list[dict], documents: list[dict]) -> list:
    """What a group still owes (services.program.rules.documents_owed over reporting's read models)."""
    held_special = [{**s, "id": s["_id"]} for s in sessions if s.get("held") and s.get("kind") == "special"]
    open_claims = [{**e, "id": e["_id"]} for e in expenses if e.get("claimed") and not e.get("rejected")]
    return documents_owed(year, held_special, open_claims, [{**d, "id": d["_id"]} for d in documents])


def group(models: ReadModels, group_id: str) -> dict | None:
    g = models.get("groups", group_id)
    sessions = sorted(models.find("sessions", group_id=group_id), key=lambda s: (s["date"], s["start"], s["_id"]))
    if g is None and not sessions:
        return None
    g = g or {"_id": group_id}
    expenses = sorted(models.find("expenses", group_id=group_id), key=lambda e: (str(e.get("date")), e["_id"]))
    documents = models.find("documents", group_id=group_id)
    budget = {name: g.get("budget", {}).get(name, 0) for name in ("allocated", "claimed", "approved", "rejected")}
    budget["remaining"] = budget["allocated"] - budget["claimed"] + budget["rejected"]
    held = [s for s in sessions if s.get("held")]
    members, left = g.get("members", []), set(g.get("left", []))
    status = "closed" if g.get("closed") else "approved" if g.get("approved") else "formed" if g.get("formed") else None
    return {
        "group_id": group_id,
        "name": g.get("name"),
        "year": g.get("year"),
        "status": status,
        "members": {
            "joined": len(members),
            "current": len([m for m in members if m not in left]),
            "children": len(g.get("children", [])),
        },
        "attendance": {
            "held": len(held),
            "cancelled": sum(1 for s in sessions if s.get("cancelled")),
            "parents": sum(s.get("parents", 0) for s in held),
            "children": sum(s.get("children", 0) for s in held),
        },
        "sessions": [
            {
                "id": s["_id"],
                "date": s["date"],
                "start": s["start"],
                "end": s["end"],
                "kind": s["kind"],
                "venue": s["venue"],
                "title": s.get("title"),
                "status": session_status(s),
                "parents": s.get("parents", 0),
                "children": s.get("children", 0),
            }
            for s in sessions
        ],
        "budget": budget,
        "expenses": [
            {
                "id": e["_id"],
                "date": e.get("date"),
                "amount": e.get("amount"),
                "category": e.get("category"),
                "session_id": e.get("session_id"),
                "status": expense_status(e),
            }
            for e in expenses
        ],
        "missing_documents": missing_documents(g.get("year"), sessions, expenses, documents),
    }
