"""Drill 6: races. Exactly the allowed number of concurrent commands succeed, the rest get 409/412."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from jajo.consent import consent_block
from tests.conftest import STAFF
from tests.drills.harness import Load, verify
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def at_once(count: int, call) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def member(n: int) -> dict:
    return {
        "guardian_name": f"경쟁{n}",
        "district": "용산구",
        "phone": f"010-7777-{n:04d}",
        "children": [{"birth_date": "2023-04-0" + str(1 + n % 9)}],
        "consent": consent_block(1),
    }


def test_races(stack, background, scale):
    background(*stack.write_loops(), stack.reporting.consumer())
    load = Load(stack, workers=2, max_units=scale(10, 60)).start()  # the races run beside a load
    rounds = scale(1, 3)
    for r in range(rounds):
        _, group = stack.call("registration", "POST", "/groups", {"name": f"경쟁 모임 {r}", "year": 2025})
        gid = group.body["id"]

        # 20 concurrent appends to one aggregate with If-Match: one wins, 19 get 412
        version = group.body["version"]
        answers = at_once(
            20,
            lambda i: (
                stack.call(
                    "registration", "POST", f"/groups/{gid}/members", member(i), headers={"If-Match": str(version)}
                )[1].status
            ),
        )
        assert Counter(answers) == {201: 1, 412: 19}, Counter(answers)
        # 20 concurrent appends without If-Match: all succeed, versions stay contiguous
        answers = at_once(
            20, lambda i: stack.call("registration", "POST", f"/groups/{gid}/members", member(100 + i))[1].status
        )
        assert Counter(answers) == {201: 20}
        versions = sorted(e["aggregateversion"] for e in stack.registration.store.load(gid))
        assert versions == list(range(1, 23))  # formed, the If-Match winner, 20 joins
        _, approved = stack.call("registration", "POST", f"/groups/{gid}/approve")
        members = [
            m["id"]
            for m in stack.client("registration").get(f"/api/v1/groups/{gid}", headers=STAFF).get_json()["members"]
        ]

        # 20 concurrent bookings of one slot of a center space: one wins, 19 get 409
        slot = {
            "group_id": gid,
            "date": f"2025-11-{10 + r}",
            "start": "13:00",
            "end": "15:00",
            "kind": "regular",
            "venue": "자람터",
        }
        eventually(
            lambda: stack.call("activity", "POST", "/sessions", {**slot, "date": f"2025-12-{10 + r}"})[1].ok,
            timeout=60,
            interval=0.2,
            what="activity knows the approved group",
        )
        answers = at_once(20, lambda i: stack.call("activity", "POST", "/sessions", slot)[1].status)
        assert Counter(answers) == {201: 1, 409: 19}, Counter(answers)
        booked = (
            stack.client("activity")
            .get(f"/api/v1/spaces/자람터/bookings?date={slot['date']}", headers=STAFF)
            .get_json()
        )
        assert len(booked["bookings"]) == 1

        # 10 concurrent survey submissions by one member: one wins, 9 get 409
        eventually(
            lambda: stack.survey.db["members"].find_one({"_id": members[0]}), timeout=60, what="survey knows the member"
        )
        url = f"/surveys/{load.survey_id}/responses"
        answers = at_once(
            10,
            lambda i: (
                stack.call("survey", "POST", url, {"respondent": members[0], "answers": {"q1": 1 + i % 5}})[1].status
            ),
        )
        assert Counter(answers) == {201: 1, 409: 9}, Counter(answers)
    load.drain(timeout=300)
    figures = verify(
        stack,
        "6 races",
        load=load,
        held=f"{load.units} groups beside the races",
        faults=f"{rounds}× (20 If-Match appends, 20 free appends, 20 bookings of one slot, "
        "10 submissions by one member)",
    )
    assert figures["lost"] == figures["duplicated"] == 0
