"""The drills' stack: the four services on the test servers, a steady load of commands, and the closing check.

Every command carries its own `X-Correlation-ID` (and, for a POST, the same value as `Idempotency-Key`), so
each accepted command can be found in the audit history by the `correlationid` of its events.
"""

from __future__ import annotations

import heapq
import re
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from jajo.consent import consent_block
from services.activity.app import create_app as activity_app
from services.activity.bootstrap import bootstrap as bootstrap_activity
from services.registration.app import create_app as registration_app
from services.registration.bootstrap import bootstrap as bootstrap_registration
from services.reporting import rebuild, report, generation
from services.reporting.app import create_app as reporting_app
from services.reporting.bootstrap import bootstrap as bootstrap_reporting
from services.reporting.projection import replay
from services.survey.app import create_app as survey_app
from services.survey.bootstrap import bootstrap as bootstrap_survey
from tests import topics
from tests.conftest import STAFF
from tests.infra import process_environment
from tests.waiting import eventually

YEAR = 2025
SPACES = ("키움터", "자람터", "공동육아방")
QUESTIONS = [
    {"id": "q1", "text": "활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "불편한 점", "kind": "choice", "options": ["공간", "서류", "없음"]},
]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    service: str
    method: str
    path: str
    status: int
    body: Any
    retry_after: str | None = None
    request: Any = None
    replayed: bool = False  # the answer came from the idempotency record  # the body sent: the independent expected report is computed from it

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def slug(self) -> str:
        return str((self.body or {}).get("type", "")).rsplit("/", 1)[-1] if isinstance(self.body, dict) else ""


class Stack:
    """Registration, activity, survey and reporting wired on the test servers; their apps in-process."""

    WRITE = ("registration", "activity", "survey")

    def __init__(self, settings):
        self.settings = settings
        self.registration = bootstrap_registration(settings).ensure_indexes()
        self.activity = bootstrap_activity(settings).ensure_indexes()
        self.survey = bootstrap_survey(settings).ensure_indexes()
        self.reporting = bootstrap_reporting(settings).ensure_indexes()
        self.apps = {
            "registration": registration_app(settings),
            "activity": activity_app(settings),
            "survey": survey_app(settings),
            "reporting": reporting_app(settings),
        }
        self.outcomes: dict[str, Outcome] = {}  # correlation id -> last answer
        self.answers: dict[str, list[str]] = defaultdict(list)  # correlation id -> every answer, for the report
        self.unknown: set[str] = set()  # commands answered 503 that had committed after all (a retry replayed them)
        self.server_errors: list[Outcome] = []
        self.loads: list[Load] = []  # halted by close(): a drill that fails must not leave commands running
        self.processes: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def close(self) -> None:
        """At the test's end, whatever its outcome: halt every load, stop every process spawned."""
        for load in self.loads:
            load.halt()
        for process in self.processes:
            stop(process)

    # --- calls --------------------------------------------------------------------------------------
    def client(self, service: str):
        clients = self._local.__dict__.setdefault("clients", {})
        if service not in clients:
            clients[service] = self.apps[service].test_client()
        return clients[service]

    def call(
        self,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        cid: str | None = None,
        headers: dict | None = None,
    ) -> tuple[str, Outcome]:
        cid = cid or uuid.uuid4().hex
        sent = {**STAFF, "X-Correlation-ID": cid, **(headers or {})}
        if method == "POST":
            sent.setdefault("Idempotency-Key", cid)
        response = self.client(service).open(f"/api/v1{path}", method=method, json=body, headers=sent)
        outcome = Outcome(
            service,
            method,
            path,
            response.status_code,
            response.get_json(silent=True),
            response.headers.get("Retry-After"),
            body,
            response.headers.get("Idempotent-Replayed") == "true",
        )
        with self._lock:
            if method != "GET":
                self.outcomes[cid] = outcome
                self.answers[cid].append(
                    f"{time.strftime('%H:%M:%S')} {outcome.status} {outcome.slug} "
                    f"{(outcome.body or {}).get('detail', '') if not outcome.ok else ''}".strip()
                )
            if outcome.status >= 500 and outcome.status != 503:
                self.server_errors.append(outcome)
        return cid, outcome

    def write_services(self) -> dict:
        return {"registration": self.registration, "activity": self.activity, "survey": self.survey}

    def write_loops(self) -> list:
        """Relays and the write services' own consumers (activity's and survey's view of registration)."""
        return [
            self.registration.relay(),
            self.activity.relay(),
            self.activity.consumer(),
            self.survey.relay(),
            self.survey.consumer(),
        ]

    def pending(self) -> int:
        return sum(service.store.pending_count() for service in self.write_services().values())

    def store_events(self) -> dict[str, dict]:
        return {e["id"]: e for service in self.write_services().values() for e in service.store.all_events()}

    def audit(self) -> list[dict]:
        return [d["envelope"] for d in self.reporting.db["audit_events"].find({}, {"envelope": 1})]

    def annual(self) -> dict:
        response = self.client("reporting").get(f"/api/v1/reports/annual/{YEAR}", headers=STAFF)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        body.pop("as_of")
        return body

    def models(self) -> dict:
        return generation.current_models(self.reporting.db).dump()

    # --- worker processes ---------------------------------------------------------------------------
    def spawn(self, module: str, log_path: Path, **env: str) -> subprocess.Popen:
        """`python -m <module>` against the test servers and this test's prefixes."""
        settings = self.settings
        environment = process_environment(
            settings,
            JAJO_RELAY_IDLE_SECONDS=str(settings.relay_idle_seconds),
            LOG_LEVEL=os.environ.get("JAJO_DRILL_WORKER_LOG_LEVEL", "WARNING"),
            PYTHONWARNINGS="ignore",
            **env,
        )
        log = open(log_path, "ab")
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        self.processes.append(process)
        return process


def kill9(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()  # SIGKILL
    process.wait(10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            kill9(process)


# --- the load -------------------------------------------------------------------------------------------
@dataclass
class Command:
    service: str
    method: str
    path: str | Callable[[], str]
    body: Any = None
    then: Callable[[dict], None] | None = None
    cid: str = field(default_factory=lambda: uuid.uuid4().hex)
    tries: int = 0
    uncertain: bool = False  # an earlier try got 503: it may have committed
    unit: dict | None = None  # the state of the load's unit this command belongs to

    def run(self, load: "Load") -> None:
        self.tries += 1
        path = self.path() if callable(self.path) else self.path
        cid, out = load.stack.call(self.service, self.method, path, self.body, cid=self.cid)
        if out.ok:
            load.accepted += 1
            if self.uncertain and out.replayed:
                load.stack.unknown.add(cid)
            if self.then:
                self.then(out.body)
        elif out.status == 503 and out.retry_after or out.status == 409 and out.slug == "request-in-progress":
            # Unknown outcome, or its first try still running: retry with the same Idempotency-Key. The answer
            # is stored with the command's events, so the retry replays it if it committed, else runs it.
            self.uncertain = True
            if out.status == 503:
                load.unavailable += 1
            load.schedule(self, 0.5 if self.tries < 200 else None, out)
        elif out.status == 409 and out.retry_after:
            # Retry-After means "not yet" (not known yet, not approved yet, lost a race): nothing was stored
            # (also after a 503: a command that had committed would have replayed its answer).
            self.cid = uuid.uuid4().hex  # a fresh command
            load.retried += 1
            load.schedule(self, 0.2 if self.tries < 400 else None, out)
        else:
            load.rejected.append(out)


class Load:
    """Groups with members, approved; then sessions held (activity) and survey answers (survey).

    `workers` threads run commands as fast as the stack answers them until `stop()`; follow-ups that the
    stack is not ready for yet (409 Retry-After, 503) are retried. `drain()` finishes the follow-ups.
    """

    def __init__(self, stack: Stack, workers: int = 2, max_units: int | None = None, erase_every: int | None = None):
        self.stack = stack
        self.workers = workers
        self.max_units = max_units
        self.erase_every = erase_every  # every k-th unit erases its second member once it attended and answered
        self.erased: list[tuple[str, str]] = []  # (group id, member id) of the erasures accepted
        self.units = 0
        self.accepted = 0
        self.unavailable = 0
        self.retried = 0
        self.rejected: list[Outcome] = []
        self.errors: list[BaseException] = []
        self._heap: list = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._busy = 0
        self._generating = threading.Event()
        self._halt = threading.Event()
        self._threads: list[threading.Thread] = []
        self.survey_id: str | None = None
        self.plans: list[dict] = []  # one state per unit started: what it plans and how far it got
        stack.loads.append(self)

    def schedule(self, command: Command, delay: float | None = 0.0, last: "Outcome | None" = None) -> None:
        if delay is None:
            answer = f": last answer {last.status} {(last.body or {}).get('detail')}" if last else ""
            self.errors.append(AssertionError(f"gave up on {command.method} {command.path}{answer}"))
            return
        with self._lock:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), command))

    def start(self) -> "Load":
        _, out = self.stack.call(
            "survey", "POST", "/surveys", {"title": "2025 만족도 조사", "year": YEAR, "questions": QUESTIONS}
        )
        assert out.status == 201, out.body
        self.survey_id = out.body["id"]
        self._generating.set()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)]
        for thread in self._threads:
            thread.start()
        return self

    def stop_generating(self) -> None:
        self._generating.clear()

    def drain(self, timeout: float = 120) -> None:
        """Stop starting new units (after `max_units` of them, when set) and finish the follow-ups."""
        if self.max_units is not None:
            eventually(
                lambda: self.units >= self.max_units,  # type: ignore[operator]
                timeout=timeout,
                interval=0.1,
                what="units started",
            )
        self.stop_generating()
        eventually(lambda: self.idle(), timeout=timeout, interval=0.1, what="load drained")
        self.halt()
        assert not self.errors, self.errors[:3]

    def halt(self) -> None:
        """Stop the workers now, follow-ups or not (drain() first for a finished load)."""
        self._halt.set()
        for thread in self._threads:
            thread.join(30)
            assert not thread.is_alive(), "a load worker still running 30 s after its halt"

    def idle(self) -> bool:
        with self._lock:
            return not self._heap and self._busy == 0

    def _take(self) -> Command | None:
        with self._lock:
            if self._heap and self._heap[0][0] <= time.monotonic():
                self._busy += 1
                return heapq.heappop(self._heap)[2]
            if self._generating.is_set() and (self.max_units is None or self.units < self.max_units):
                self._busy += 1
                self.units += 1
                return self._unit(self.units)
        return None

    def _work(self) -> None:
        while not self._halt.is_set():
            command = self._take()
            if command is None:
                self._halt.wait(0.02)
                continue
            try:
                command.run(self)
            except BaseException as exc:  # noqa: BLE001 - reported by drain()
                self.errors.append(exc)
            finally:
                with self._lock:
                    self._busy -= 1

    # --- one unit of the program: a group with two members, approved, a session held, answers --------------
    def planned(self) -> dict:
        """What the units started plan to produce."""
        return {
            "units": len(self.plans),
            "held": sum(1 for p in self.plans if p["hold"]),
            "cancelled": sum(1 for p in self.plans if not p["hold"]),
        }

    def _unit(self, n: int) -> Command:
        state: dict[str, Any] = {"members": [], "children": [], "hold": n % 5 != 0, "budget": n % 3 == 0}
        state["erase"] = bool(self.erase_every) and state["hold"] and n % self.erase_every == 0  # type: ignore[operator]
        state["erases"], state["answered"] = state["erase"], set()  # planned; `erase` goes false once scheduled
        self.plans.append(state)
        day = date(YEAR, 1, 1) + timedelta(days=n % 365)
        venue = SPACES[(n // 365) % len(SPACES)] if n < 365 * 3 else "external"

        def command(service: str, path: str | Callable[[], str], body: Any = None, then=None) -> Command:
            return Command(service, "POST", path, body, then, unit=state)

        def formed(group: dict) -> None:
            state["group"] = group["id"]
            self.schedule(join(0))

        def join(i: int) -> Command:
            body: dict[str, Any] = {
                "guardian_name": f"보호자{n}-{i}",
                "district": "용산구",
                "phone": f"010-{n % 10000:04d}-{i:04d}",
                "children": [{"name": f"아이{n}-{i}", "birth_date": f"{2021 + i}-0{1 + n % 9}-1{i}"}],
                "consent": consent_block(1),
            }

            def joined(member: dict) -> None:
                state["members"].append(member["id"])
                state.setdefault("names", {})[member["id"]] = (body["guardian_name"], body["children"][0]["name"])
                state["children"].extend(child["id"] for child in member["children"])
                self.schedule(join(1) if i == 0 else approve())

            return command("registration", f"/groups/{state['group']}/members", body, joined)

        def approve() -> Command:
            def approved(_: dict) -> None:
                self.schedule(schedule())
                for member in state["members"]:
                    self.schedule(answer(member))
                if state["budget"]:
                    self.schedule(
                        command(
                            "activity",
                            f"/groups/{state['group']}/budget",
                            {"year": YEAR, "amount": 100_000 + 10_000 * (n % 7)},
                            allocated,
                        )
                    )

            return command("registration", f"/groups/{state['group']}/approve", None, approved)

        def allocated(_: dict) -> None:
            state["allocated"] = True
            claim()

        def held(session: dict) -> None:
            state["held"] = True
            claim()
            erase()

        def erase() -> None:
            """Erase the second member once the session they attended was held and their answer is in."""
            with self._lock:
                member = state["members"][1]
                ready = state["erase"] and state.get("held") and member in state["answered"]
                state["erase"] = state["erase"] and not ready
            if not ready:
                return

            def erased(_: dict) -> None:
                self.erased.append((state["group"], member))

            path = f"/groups/{state['group']}/members/{member}/erase"
            self.schedule(command("registration", path, {"reason": "보호자의 삭제 요구"}, erased))

        def claim() -> None:
            """A claim for a held session of a group with a budget, approved (even n) or rejected (odd n)."""
            with self._lock:
                ready = state.get("allocated") and state.get("held") and not state.get("claimed")
                state["claimed"] = state.get("claimed") or bool(ready)
            if not ready:
                return
            body = {
                "group_id": state["group"],
                "session_id": state["session"],
                "date": day.isoformat(),
                "amount": 40_000 + 1_000 * (n % 10),
                "category": "간식비",
            }

            def claimed(expense: dict) -> None:
                if n % 2 == 0:
                    self.schedule(command("activity", f"/expenses/{expense['id']}/approve"))
                else:
                    self.schedule(command("activity", f"/expenses/{expense['id']}/reject", {"reason": "영수증 없음"}))

            self.schedule(command("activity", "/expenses", body, claimed))

        def schedule() -> Command:
            body = {
                "group_id": state["group"],
                "date": day.isoformat(),
                "start": "10:00",
                "end": "12:00",
                "kind": "regular",
                "venue": venue,
                "title": f"{n}회 정기모임",
            }

            def scheduled(session: dict) -> None:
                state["session"] = session["id"]
                if not state["hold"]:
                    self.schedule(command("activity", f"/sessions/{session['id']}/cancel", {"reason": "우천"}))
                else:
                    self.schedule(
                        command(
                            "activity",
                            f"/sessions/{session['id']}/attendance",
                            {"guardians": state["members"], "children": state["children"][:1]},
                            held,
                        )
                    )

            return command("activity", "/sessions", body, scheduled)

        def answer(member: str) -> Command:
            body = {"respondent": member, "answers": {"q1": 1 + n % 5, "q2": ["공간", "서류", "없음"][n % 3]}}

            def answered(_: dict) -> None:
                with self._lock:
                    state["answered"].add(member)
                erase()

            return command("survey", f"/surveys/{self.survey_id}/responses", body, answered)

        return command("registration", "/groups", {"name": f"드릴 모임 {n}", "year": YEAR}, formed)


# --- the closing check ----------------------------------------------------------------------------------
def settle(stack: Stack, timeout: float = 120) -> None:
    """Every stored event is off the outboxes and in reporting's audit history."""

    def done() -> bool:
        if stack.pending():
            return False
        total = sum(s.store.events.count_documents({}) for s in stack.write_services().values())
        return stack.reporting.db["audit_events"].count_documents({}) >= total

    eventually(done, timeout=timeout, interval=0.2, what="outboxes drained and everything projected")


def verify(
    stack: Stack,
    drill: str,
    *,
    load: Load | None = None,
    faults: str = "",
    held: str = "",
    timeout: float = 120,
    extra: dict | None = None,
) -> dict:
    """The report equals a clean rebuild and the stores' events; every accepted command's events are in the
    audit history exactly once. Returns the figures of docs/reliability.md."""
    settle(stack, timeout)
    assert not stack.server_errors, stack.server_errors[:3]
    stored = stack.store_events()
    audit = stack.audit()
    audit_ids = [e["id"] for e in audit]
    lost = set(stored) - set(audit_ids)
    foreign = set(audit_ids) - set(stored)
    duplicated_records = len(audit_ids) - len(set(audit_ids))
    by_cid: dict[str, list[dict]] = defaultdict(list)
    for envelope in audit:
        by_cid[envelope["correlationid"]].append(envelope)
    accepted = {cid for cid, out in stack.outcomes.items() if out.ok}
    applied = accepted
    emits = expected_events(stack)
    wrong_events = {
        cid: (sorted(emits[cid]), sorted(e["type"] for e in by_cid.get(cid, [])))
        for cid in applied
        if sorted(emits[cid]) != sorted(e["type"] for e in by_cid.get(cid, []))
    }
    without_event = {cid for cid in wrong_events if cid not in by_cid}
    rejected_with_events = {cid for cid, out in stack.outcomes.items() if not out.ok and cid in by_cid}
    unasked = set(by_cid) - set(stack.outcomes)
    assert not lost, f"{len(lost)} stored events never reached the audit history"
    assert not foreign and not duplicated_records
    assert not without_event, (
        f"{len(without_event)} accepted commands have no event in the audit history: "
        f"{[(cid, stack.outcomes[cid].path, stack.answers[cid]) for cid in sorted(without_event)][:3]}"
    )
    assert not rejected_with_events, f"{len(rejected_with_events)} rejected commands emitted events"
    assert not wrong_events, (
        f"{len(wrong_events)} commands did not emit exactly their events (expected, found): "
        f"{list(wrong_events.values())[:3]}"
    )
    assert not unasked, f"{len(unasked)} correlation ids in the audit that no command of the drill sent"
    if load is not None:
        assert not load.rejected, f"{len(load.rejected)} commands of the plan rejected, e.g. {load.rejected[:3]}"

    live_models, live_report = stack.models(), stack.annual()
    expected = report.annual(replay(list(stored.values())), YEAR, "")
    expected.pop("as_of")
    assert live_report == expected, "the live report differs from the stores' events replayed"
    outside = expected_report(stack)
    seen = {key: {k: live_report[key][k] for k in value} for key, value in outside.items() if key != "likert"}
    seen["likert"] = {
        q["id"]: {"responses": q["responses"], "distribution": q["distribution"]}
        for q in live_report["satisfaction"]["questions"]
    }
    assert seen == outside, f"the live report differs from the plan's accepted commands: {seen} != {outside}"
    if load is not None:
        plan = load.planned()
        assert live_report["sessions"]["held"] == plan["held"], (live_report["sessions"], plan)
    rebuilt = rebuild.rebuild(stack.reporting.client, stack.reporting.db)
    assert rebuilt.total == len(audit_ids)
    assert stack.models() == live_models, "the live read models differ from a clean rebuild"
    assert stack.annual() == live_report
    figures = {
        "drill": drill,
        "load": held,
        "faults": faults,
        "commands_accepted": len(accepted),
        "commands_rejected": len(load.rejected) if load else len(stack.outcomes) - len(accepted),
        "answered_non_2xx": len(stack.outcomes) - len(accepted),
        "sessions_planned": load.planned()["held"] if load else None,
        "retried_not_yet_known": load.retried if load else 0,
        "unknown_outcome": len(stack.unknown),
        "answered_503": load.unavailable if load else 0,
        "events_accepted": len(stored),
        "events_in_report": len(set(audit_ids)),
        "lost": len(lost) + len(without_event),
        "duplicated": duplicated_records + sum(1 for e, f in wrong_events.values() if len(f) > len(e)),
        "sessions_held": live_report["sessions"]["held"],
        **(extra or {}),
    }
    record(figures)
    return figures


# --- what an outside client expects of the commands it sent (no code of the services) -----------------------
ID = r"[^/]+"
EMITS: list[tuple[str, str, str, Callable[[Outcome, dict], list[str]]]] = [
    # (service, method, path pattern, the event types the command must produce), per docs/events.md
    ("registration", "POST", "/groups", lambda o, s: ["GroupFormed"]),
    ("registration", "POST", f"/groups/{ID}/members", lambda o, s: ["MemberJoined"]),
    ("registration", "POST", f"/groups/{ID}/approve", lambda o, s: ["GroupApproved"]),
    ("registration", "POST", f"/groups/{ID}/members/{ID}/erase", lambda o, s: ["MemberErased"]),
    (
        "activity",
        "POST",
        "/sessions",
        lambda o, s: ["SessionScheduled"] + (["SpaceBooked"] if o.request["venue"] in SPACES else []),
    ),
    ("activity", "POST", f"/sessions/{ID}/attendance", lambda o, s: ["SessionHeld"]),
    (
        "activity",
        "POST",
        f"/sessions/{ID}/cancel",
        lambda o, s: (
            ["SessionCancelled"] + (["SpaceReleased"] if s.get(o.path.split("/")[2], {}).get("venue") in SPACES else [])
        ),
    ),
    ("activity", "POST", f"/groups/{ID}/budget", lambda o, s: ["BudgetAllocated"]),
    ("activity", "POST", "/expenses", lambda o, s: ["ExpenseClaimed"]),
    ("activity", "POST", f"/expenses/{ID}/approve", lambda o, s: ["ExpenseApproved"]),
    ("activity", "POST", f"/expenses/{ID}/reject", lambda o, s: ["ExpenseRejected"]),
    ("survey", "POST", "/surveys", lambda o, s: ["SurveyPublished"]),
    ("survey", "POST", f"/surveys/{ID}/responses", lambda o, s: ["SurveySubmitted"]),
]


def _scheduled(stack: Stack) -> dict[str, dict]:
    """Session id -> the body that scheduled it (from the answers to accepted POST /sessions)."""
    return {
        out.body["id"]: out.request
        for out in stack.outcomes.values()
        if out.ok and out.service == "activity" and out.path == "/sessions"
    }


def expected_events(stack: Stack) -> dict[str, list[str]]:
    """Correlation id -> the exact event types each command sent must have produced (if it was applied)."""
    sessions = _scheduled(stack)
    expected = {}
    for cid, out in stack.outcomes.items():
        for service, method, pattern, types in EMITS:
            if (out.service, out.method) == (service, method) and re.fullmatch(pattern, out.path):
                expected[cid] = types(out, sessions)
                break
        else:
            expected[cid] = ["(a command the drills do not know: add it to EMITS)"]
    return expected


def expected_report(stack: Stack) -> dict:
    """The annual report as an outside client computes it from the commands it had accepted: groups, members,
    sessions held, participation (cumulative and unique parents and children), budget, survey answers."""
    applied = [out for out in stack.outcomes.values() if out.ok]

    def each(service: str, pattern: str) -> list[Outcome]:
        return [o for o in applied if o.service == service and o.method == "POST" and re.fullmatch(pattern, o.path)]

    joins = each("registration", f"/groups/{ID}/members")
    attendance = each("activity", f"/sessions/{ID}/attendance")
    held = {o.path.split("/")[2]: o.request for o in attendance}
    claims = {o.body["id"]: o.request["amount"] for o in each("activity", "/expenses") if o.ok}
    responses = [o.request["answers"] for o in each("survey", f"/surveys/{ID}/responses")]
    sessions = _scheduled(stack)
    q1 = [a["q1"] for a in responses if "q1" in a]
    return {
        "groups": {
            "formed": len(each("registration", "/groups")),
            "approved": len({o.path for o in each("registration", f"/groups/{ID}/approve")}),
            "active": len({sessions[s]["group_id"] for s in held}),
        },
        "members": {"guardians": len(joins), "children": sum(len(o.request["children"]) for o in joins)},
        "sessions": {"held": len(held), "cancelled": len({o.path for o in each("activity", f"/sessions/{ID}/cancel")})},
        "participation": {
            "parents": sum(len(b["guardians"]) for b in held.values()),
            "children": sum(len(b["children"]) for b in held.values()),
            "unique_parents": len({g for b in held.values() for g in b["guardians"]}),
            "unique_children": len({c for b in held.values() for c in b["children"]}),
        },
        "budget": {
            "allocated": sum(o.request["amount"] for o in each("activity", f"/groups/{ID}/budget")),
            "claimed": sum(claims.values()),
            "approved": sum(claims[o.path.split("/")[2]] for o in each("activity", f"/expenses/{ID}/approve")),
            "rejected": sum(claims[o.path.split("/")[2]] for o in each("activity", f"/expenses/{ID}/reject")),
        },
        "likert": {
            "q1": {"responses": len(q1), "distribution": {str(v): q1.count(v) for v in range(1, 6)}}  # noqa: B035
            for _ in each("survey", "/surveys")
        },  # every survey of the drills asks q1
    }


def record(figures: dict) -> None:
    """Appends the figures to .data/drills/<mode>.jsonl (mode: JAJO_DRILL_MODE, set by tests/drills/conftest)."""
    folder = ROOT / ".data" / "drills"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{os.environ.get('JAJO_DRILL_MODE', 'short')}.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps({**figures, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}, ensure_ascii=False) + "\n")


def topic_size(settings, name: str) -> int:
    """Messages on a topic (the sum of its partitions' end offsets)."""
    return sum(partition_ends(settings, [name]).values())


def partition_ends(settings, names) -> dict[str, int]:
    """`<topic>:<partition>` (the consumers' checkpoint ids) -> its end offset, for the topics `names`."""
    from kafka import KafkaConsumer, TopicPartition

    from jajo.kafka import end_offsets

    probe = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=6000, allow_auto_create_topics=False
    )
    try:
        topics = [settings.topic(name) for name in names]
        partitions = [TopicPartition(t, p) for t in topics for p in (probe.partitions_for_topic(t) or ())]
        ends = end_offsets(probe, partitions) if partitions else {}
        return {f"{tp.topic}:{tp.partition}": end for tp, end in ends.items()}
    finally:
        probe.close()


def read_topic(settings, name: str) -> list:
    """Every record of a topic, from the start."""
    return topics.read_topic(settings, name, topic_size(settings, name), timeout=60)


def produce(settings, messages: list[tuple[str, bytes | None, bytes]]) -> None:
    """(topic name, key, value) onto the test's topics."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", linger_ms=5)
    try:
        for name, key, value in messages:
            producer.send(settings.topic(name), key=key, value=value)
        producer.flush(30)
    finally:
        producer.close()


def projector_caught_up(stack: Stack) -> bool:
    response = stack.client("reporting").get("/api/v1/projections/status", headers=STAFF)
    return response.status_code == 200 and response.get_json()["lag"] == 0
