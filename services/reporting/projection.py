"""The projection as pure functions: an event becomes commutative updates of read-model documents.

Every update is a counter increment (`inc`), a set union (`add`) or a fact that every event carrying
it states identically (`set`), so applying the updates of a set of events gives the same documents in
any order. The live projector writes them to MongoDB; `as_of` and tests apply them to `MemoryModels`.

Read models (collection -> document id):
- `years`     -> "2025": session/participation/budget counters per year, per month, per venue, per kind,
                  sets of the members who joined and of the people who attended, and of the online
                  sessions' connection reports.
- `groups`    -> group id: year, name, status flags, member sets, held-session counter, budget counters.
- `sessions`  -> session id: the session's facts and status flags, attendance.
- `expenses`  -> expense id: the claim's facts and approved/rejected flags.
- `documents` -> document id: the submitted document's facts, `accepted`/`returned` flags of its review.
- `surveys`   -> survey id: definition, response counter, per-question histograms of the answers.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

from jajo.center import CENTER
from services.activity import events as activity
from services.registration import events as registration
from services.survey import events as survey

COLLECTIONS = ("years", "groups", "sessions", "expenses", "documents", "surveys")
KINDS = ("regular", "special", "online")
VENUES = (*CENTER.space_names, "external", "online")
# Kept in the audit, nothing to count: an erased member stays in every count (their key is destroyed, not them).
AUDIT_ONLY = frozenset({activity.SpaceBooked.name, activity.SpaceReleased.name, registration.MemberErased.name})


def esc(key: Any) -> str:
    """A data value used as a MongoDB field name: no dots, no leading dollar, never empty."""
    text = str(key)
    return text.replace("%", "%25").replace(".", "%2E").replace("$", "%24") if text else "%"


def unesc(key: str) -> str:
    return "" if key == "%" else key.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


def answer_key(value: Any) -> str:
    """Histogram bucket of one answer value; text is hashed so that answers never become field names."""
    if isinstance(value, bool):
        return f"b{str(value).lower()}"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"i{int(value)}" if value.is_integer() else esc(f"f{value}")
    if isinstance(value, str):
        return "s" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:24]
    raise TypeError(f"answer of type {type(value).__name__} cannot be counted")


def event_time(envelope: dict) -> datetime:
    moment = datetime.fromisoformat(str(envelope["time"]))
    if moment.tzinfo is None:
        raise ValueError(f"event time {envelope['time']!r} has no time zone")
    return moment.astimezone(timezone.utc)


# The top-level fields that hold counters (`inc`), per collection: where the parts of one document written by
# several projector members are summed when read (generation.merge); every other field is a set or a fact.
COUNTERS: dict[str, frozenset[str]] = {
    "years": frozenset({"sessions", "participation", "months", "venues", "budget"}),
    "groups": frozenset({"held", "budget"}),
    "surveys": frozenset({"responses", "hist"}),
}


@dataclass
class Op:
    """Commutative changes to one document: upserted if missing. `shard`: the part of the document written
    (None: the document itself; else that projector member's part, generation.py)."""

    coll: str
    id: str
    inc: dict[str, int | float] = field(default_factory=dict)
    add: dict[str, list] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    shard: str | None = None

    def __post_init__(self) -> None:
        # The id becomes the `_id` filter of an upsert: a `{"$gt": ""}` from an event would match documents.
        if not isinstance(self.id, str) or not self.id:
            raise TypeError(f"{self.coll} id is not a non-empty string: {repr(self.id)[:60]}")

    def merge(self, other: "Op") -> None:
        for path, amount in other.inc.items():
            self.inc[path] = self.inc.get(path, 0) + amount
        for path, values in other.add.items():
            known = self.add.setdefault(path, [])
            known.extend(v for v in values if v not in known)
        self.set.update(other.set)


# --- one function per event type ----------------------------------------------------------------------
def _year_month(day: str) -> tuple[str, str]:
    parsed = date.fromisoformat(day)
    return str(parsed.year), f"{parsed.month:02d}"


def _minutes(start: str, end: str) -> int:
    def minutes(hhmm: str) -> int:
        hours, mins = str(hhmm).split(":")
        return int(hours) * 60 + int(mins)

    return max(0, minutes(end) - minutes(start))


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _group_formed(d: dict) -> list[Op]:
    facts = {"year": int(d["year"]), "name": d["name"], "theme": d.get("theme"), "formed": True}
    return [Op("groups", d["group_id"], set=facts)]


def _group_approved(d: dict) -> list[Op]:
    return [Op("groups", d["group_id"], set={"year": int(d["year"]), "approved": True})]


def _group_closed(d: dict) -> list[Op]:
    return [Op("groups", d["group_id"], set={"year": int(d["year"]), "closed": True})]


def _member_joined(d: dict) -> list[Op]:
    children = [child["child_id"] for child in d["children"]]
    year = int(d["year"])
    return [
        Op("groups", d["group_id"], set={"year": year}, add={"members": [d["member_id"]], "children": children}),
        Op("years", str(year), add={"member_ids": [d["member_id"]], "member_child_ids": children}),
    ]


def _member_left(d: dict) -> list[Op]:
    return [Op("groups", d["group_id"], set={"year": int(d["year"])}, add={"left": [d["member_id"]]})]


SESSION_FACTS = ("group_id", "date", "start", "end", "kind", "venue")


def _session_facts(d: dict) -> dict:
    facts = {name: d[name] for name in SESSION_FACTS}
    _year_month(facts["date"])
    _minutes(facts["start"], facts["end"])
    return facts


def _session_scheduled(d: dict) -> list[Op]:
    facts = {**_session_facts(d), "title": d.get("title"), "series_id": d.get("series_id"), "scheduled": True}
    return [Op("sessions", d["session_id"], set=facts)]


def _session_held(d: dict) -> list[Op]:
    facts = _session_facts(d)
    parents, children = _count(d["parents"], "parents"), _count(d["children"], "children")
    guardians, kids = list(d["guardian_ids"]), list(d["child_ids"])
    year, month = _year_month(facts["date"])
    kind, venue = esc(facts["kind"]), esc(facts["venue"])
    held = {
        **facts,
        "held": True,
        "parents": parents,
        "children": children,
        "guardian_ids": guardians,
        "child_ids": kids,
        "notes": d.get("notes"),
    }
    counters: dict[str, int | float] = {
        "sessions.held": 1,
        f"sessions.by_kind.{kind}": 1,
        "participation.parents": parents,
        "participation.children": children,
        f"months.{month}.sessions": 1,
        f"months.{month}.parents": parents,
        f"months.{month}.children": children,
        f"venues.{venue}.sessions": 1,
        f"venues.{venue}.minutes": _minutes(facts["start"], facts["end"]),
    }
    return [
        Op("sessions", d["session_id"], set=held),
        Op("years", year, inc=counters, add={"attended_parents": guardians, "attended_children": kids}),
        Op("groups", facts["group_id"], inc={"held": 1}),
    ]


def _session_cancelled(d: dict) -> list[Op]:
    facts = _session_facts(d)
    year, month = _year_month(facts["date"])
    return [
        Op("sessions", d["session_id"], set={**facts, "cancelled": True, "reason": d.get("reason")}),
        Op("years", year, inc={"sessions.cancelled": 1, f"months.{month}.cancelled": 1}),
    ]


def _connection_reported(d: dict) -> list[Op]:
    """Every report goes into a set of the year; the report keeps the latest (highest `report_no`) per
    guardian per session, so the reports commute."""
    facts = _session_facts(d)
    year, _ = _year_month(facts["date"])
    entry = {
        "session_id": d["session_id"],
        "member_id": str(d["member_id"]),
        "report_no": _count(d["report_no"], "report_no"),
        "status": str(d["status"]),
    }
    return [Op("years", year, add={"online_reports": [entry]})]


def _budget(d: dict, field_name: str) -> list[Op]:
    amount = _count(d["amount"], "amount")
    return [
        Op("years", str(int(d["year"])), inc={f"budget.{field_name}": amount}),
        Op("groups", d["group_id"], inc={f"budget.{field_name}": amount}),
    ]


def _budget_allocated(d: dict) -> list[Op]:
    return _budget(d, "allocated")


def _expense_claimed(d: dict) -> list[Op]:
    facts = {
        "group_id": d["group_id"],
        "year": int(d["year"]),
        "session_id": d.get("session_id"),
        "date": d["date"],
        "amount": d["amount"],
        "category": d["category"],
        "description": d.get("description"),
        "document_ids": list(d.get("document_ids") or []),
        "claimed": True,
    }
    return [*_budget(d, "claimed"), Op("expenses", d["expense_id"], set=facts)]


def _expense_approved(d: dict) -> list[Op]:
    facts = {"group_id": d["group_id"], "year": int(d["year"]), "approved": True}
    return [*_budget(d, "approved"), Op("expenses", d["expense_id"], set=facts)]


def _expense_rejected(d: dict) -> list[Op]:
    facts = {"group_id": d["group_id"], "year": int(d["year"]), "rejected": True, "reason": d.get("reason")}
    return [*_budget(d, "rejected"), Op("expenses", d["expense_id"], set=facts)]


# no filename: it is personal data (sealed in the event), and no report needs it
DOCUMENT_FACTS = ("group_id", "year", "kind", "session_id", "expense_id", "content_type", "size")


def _document_submitted(d: dict) -> list[Op]:
    facts = {name: d.get(name) for name in DOCUMENT_FACTS}
    if facts["group_id"] is None or facts["kind"] is None:
        raise KeyError(f"{activity.DocumentSubmitted.name} needs group_id and kind")
    return [Op("documents", d["document_id"], set=facts)]


def _document_reviewed(flag: str) -> Callable[[dict], list[Op]]:
    """DocumentAccepted / DocumentReturned: a flag each (a document is reviewed once, so they never clash)."""

    def project_review(d: dict) -> list[Op]:
        facts = {name: d[name] for name in ("group_id", "year", "kind")}
        extra = {"return_reason": d.get("reason")} if flag == "returned" else {}
        return [Op("documents", d["document_id"], set={**facts, flag: True, **extra})]

    return project_review


def _survey_published(d: dict) -> list[Op]:
    questions = [
        {
            "id": q["id"],
            "text": q.get("text"),
            "kind": q["kind"],
            "category": q.get("category"),
            "options": list(q.get("options") or []),
            "multiple": bool(q.get("multiple")),
        }
        for q in d["questions"]
    ]
    facts = {"year": int(d["year"]), "title": d.get("title"), "questions": questions, "published": True}
    return [Op("surveys", d["survey_id"], set=facts)]


def _survey_submitted(d: dict) -> list[Op]:
    counters: dict[str, int | float] = {"responses": 1}
    for question_id, value in dict(d["answers"]).items():
        for one in value if isinstance(value, list) else [value]:
            path = f"hist.{esc(question_id)}.{answer_key(one)}"
            counters[path] = counters.get(path, 0) + 1
    return [Op("surveys", d["survey_id"], set={"year": int(d["year"])}, inc=counters)]


def _survey_closed(d: dict) -> list[Op]:
    return [Op("surveys", d["survey_id"], set={"year": int(d["year"]), "closed": True})]


PROJECTORS: dict[str, Callable[[dict], list[Op]]] = {
    event.name: projector
    for event, projector in (
        (registration.GroupFormed, _group_formed),
        (registration.GroupApproved, _group_approved),
        (registration.GroupClosed, _group_closed),
        (registration.MemberJoined, _member_joined),
        (registration.MemberLeft, _member_left),
        (activity.SessionScheduled, _session_scheduled),
        (activity.SessionHeld, _session_held),
        (activity.SessionCancelled, _session_cancelled),
        (activity.ConnectionReported, _connection_reported),
        (activity.BudgetAllocated, _budget_allocated),
        (activity.ExpenseClaimed, _expense_claimed),
        (activity.ExpenseApproved, _expense_approved),
        (activity.ExpenseRejected, _expense_rejected),
        (activity.DocumentSubmitted, _document_submitted),
        (activity.DocumentAccepted, _document_reviewed("accepted")),
        (activity.DocumentReturned, _document_reviewed("returned")),
        (survey.SurveyPublished, _survey_published),
        (survey.SurveySubmitted, _survey_submitted),
        (survey.SurveyClosed, _survey_closed),
    )
}
EVENT_TYPES = frozenset(PROJECTORS) | AUDIT_ONLY


def project(envelope: dict) -> list[Op]:
    """The read-model updates of one event; KeyError/ValueError/TypeError when it cannot be projected."""
    event_time(envelope)
    if envelope["type"] in AUDIT_ONLY:
        return []
    projector = PROJECTORS.get(envelope["type"])
    if projector is None:
        raise ValueError(f"unknown event type {envelope['type']!r}")
    data = envelope["data"]
    if not isinstance(data, dict):
        raise TypeError("data is not an object")
    return projector(data)


def project_all(envelopes: Iterable[dict], on_error: Callable[[dict, Exception], None] | None = None) -> list[Op]:
    """The merged updates of many events, one Op per document (raises on a bad event unless on_error)."""
    merged: dict[tuple[str, str], Op] = {}
    for envelope in envelopes:
        try:
            ops = project(envelope)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            if on_error is None:
                raise
            on_error(envelope, exc)
            continue
        for op in ops:
            key = (op.coll, op.id)
            if key in merged:
                merged[key].merge(op)
            else:
                merged[key] = Op(op.coll, op.id)
                merged[key].merge(op)
    return list(merged.values())


# --- the in-memory read models (as_of, tests) ---------------------------------------------------------
def _walk(doc: dict, path: str) -> tuple[dict, str]:
    *parents, leaf = path.split(".")
    node = doc
    for name in parents:
        node = node.setdefault(name, {})
    return node, leaf


class MemoryModels:
    """The read models held in dicts, with the same documents the MongoDB projector writes."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict]] = {name: {} for name in COLLECTIONS}

    def apply(self, ops: Iterable[Op]) -> None:
        for op in ops:
            doc = self.docs[op.coll].setdefault(op.id, {"_id": op.id})
            for path, amount in op.inc.items():
                node, leaf = _walk(doc, path)
                node[leaf] = node.get(leaf, 0) + amount
            for path, values in op.add.items():
                node, leaf = _walk(doc, path)
                known = node.setdefault(leaf, [])
                known.extend(v for v in values if v not in known)
            for path, value in op.set.items():
                node, leaf = _walk(doc, path)
                node[leaf] = copy.deepcopy(value)

    def get(self, coll: str, doc_id: str) -> dict | None:
        return self.docs[coll].get(doc_id)

    def find(self, coll: str, **equal: Any) -> list[dict]:
        return [doc for doc in self.docs[coll].values() if all(doc.get(k) == v for k, v in equal.items())]


def fold(models: MemoryModels, envelopes: Iterable[dict]) -> MemoryModels:
    """`models` with the given events applied, skipping any that cannot be projected (they were dead letters)."""
    models.apply(project_all(envelopes, on_error=lambda envelope, exc: None))
    return models


def replay(envelopes: Iterable[dict]) -> MemoryModels:
    """Read models of the given events alone."""
    return fold(MemoryModels(), envelopes)
