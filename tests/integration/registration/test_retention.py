"""Retention (개인정보 보유기간, 제21조) on real MongoDB: the sweep erases the members of closed groups whose period
has ended, through the command bus, once; the dry run, the endpoint and the command line list exactly those."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from jajo.personal import KEYS
from services.registration import cli
from services.registration.retention import REASON
from tests.conftest import VIEWER

pytestmark = pytest.mark.integration


def group_of(reg, year: int, *, close: bool = True) -> tuple[str, list[str]]:
    """A group of `year` with a current member and a member who left, approved, and closed unless told."""
    group = reg.form(name=f"{year}년 모임", year=year)["id"]
    staying = reg.joined(group, guardian_name="김하늘", phone="010-1111-2222")["id"]
    leaving = reg.joined(group, guardian_name="이바다", phone="010-3333-4444")["id"]
    assert reg.delete(f"/groups/{group}/members/{leaving}").status_code == 200
    assert reg.post(f"/groups/{group}/approve").status_code == 200
    if close:
        assert reg.post(f"/groups/{group}/close").status_code == 200
    return group, [staying, leaving]


@pytest.fixture
def retention(app):
    return app.extensions["jajo"].wired.retention


@pytest.fixture
def keys(reg, settings):
    return reg.db.client[settings.database_name("keys")][KEYS]


def listed(due) -> list[tuple[int, str, list[str]]]:
    return [(group.year, group.group_id, list(group.member_ids)) for group in due]


def erased_events(reg, group: str) -> list[dict]:
    return [e for e in reg.envelopes(group) if e["type"] == "MemberErased"]


def test_the_sweep_erases_the_members_of_old_closed_groups_once_and_leaves_the_rest(reg, retention, keys, clock):
    clock.today = date(2026, 3, 2)  # 2022's period ended on 31 December 2025; 2023's has not
    oldest, oldest_members = group_of(reg, 2020)
    edge, edge_members = group_of(reg, 2022)
    recent, recent_members = group_of(reg, 2023)
    still_open, open_members = group_of(reg, 2020, close=False)
    due = [(2020, oldest, oldest_members), (2022, edge, edge_members)]

    before = reg.event_count()
    assert listed(retention.due()) == due  # the dry run changes nothing
    assert reg.event_count() == before and keys.count_documents({"key": None}) == 0

    assert retention.erase_due() == 4
    for group, members in ((oldest, oldest_members), (edge, edge_members)):
        for member in members:
            view = reg.get(f"/groups/{group}/members/{member}").get_json()
            assert (view["status"], view["erased_on"], view["guardian_name"]) == ("erased", "2026-03-02", "(삭제됨)")
            assert keys.find_one({"_id": member})["key"] is None
        assert [(e["data"]["member_id"], e["data"]["reason"], e["actor"]) for e in erased_events(reg, group)] == [
            (member, REASON, "system") for member in members
        ]
        assert reg.get(f"/groups/{group}").get_json()["member_count"] == 0
    for group, members in ((recent, recent_members), (still_open, open_members)):
        assert erased_events(reg, group) == []
        assert all(keys.find_one({"_id": member})["key"] for member in members)
        assert reg.get(f"/groups/{group}/members/{members[0]}").get_json()["guardian_name"] == "김하늘"
    assert reg.event_count() == before + 4

    assert retention.due() == [] and retention.erase_due() == 0
    assert reg.event_count() == before + 4

    clock.today = date(2026, 12, 31)
    assert retention.due() == []
    clock.today = date(2027, 1, 1)  # 2023's period has ended now; the open group still keeps its members
    assert listed(retention.due()) == [(2023, recent, recent_members)]


def test_two_sweeps_at_once_erase_each_member_once(reg, retention, keys):
    groups = dict(group_of(reg, 2021) for _ in range(2))
    start = threading.Barrier(2)
    erased: list[int] = []
    failures: list[BaseException] = []

    def sweep() -> None:
        start.wait()
        try:
            erased.append(retention.erase_due())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == [] and len(erased) == 2
    for group, members in groups.items():
        assert sorted(e["data"]["member_id"] for e in erased_events(reg, group)) == sorted(members)
    assert keys.count_documents({"key": None}) == 4 and retention.due() == []


def test_the_due_endpoint_lists_ids_only_for_staff(reg, retention):
    old, old_members = group_of(reg, 2021)
    recent, recent_members = group_of(reg, 2023)
    answer = reg.get("/retention/due?on=2026-03-02")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "on": "2026-03-02",
        "retention_years": 3,
        "groups": [{"group_id": old, "year": 2021, "retained_until": "2024-12-31", "member_ids": old_members}],
    }
    later = reg.get("/retention/due?on=2027-01-01").get_json()["groups"]
    assert [(g["group_id"], g["member_ids"]) for g in later] == [(old, old_members), (recent, recent_members)]
    assert "김하늘" not in answer.get_data(as_text=True)
    assert [g["group_id"] for g in reg.get("/retention/due").get_json()["groups"]] == [old]  # the clock's day
    refused = [
        reg.client.get("/api/v1/retention/due", headers=VIEWER),
        reg.client.get("/api/v1/retention/due"),
        reg.get("/retention/due?on=20260302"),
        reg.get("/retention/due?when=2026-03-02"),
    ]
    assert [r.status_code for r in refused] == [403, 401, 422, 422]
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in refused)


def test_the_command_line_lists_the_due_ids_and_erases_them(reg, settings, monkeypatch, capsys):
    old, old_members = group_of(reg, 2020)  # due on any day from 2024 on
    still_open, _ = group_of(reg, 2020, close=False)
    monkeypatch.setenv("MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers)
    monkeypatch.setenv("JAJO_DB_PREFIX", settings.db_prefix)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    before = reg.event_count()

    cli.main(["retention", "--dry-run", "--on", "2026-03-02"])
    out = capsys.readouterr().out.splitlines()
    assert out == [f"2020\t{old}\t{member}" for member in old_members] + [
        "due on 2026-03-02: 2 members of 1 closed groups"
    ]
    cli.main(["retention", "--dry-run", "--on", "2023-12-31"])
    assert capsys.readouterr().out.splitlines() == ["due on 2023-12-31: 0 members of 0 closed groups"]
    assert reg.event_count() == before

    cli.main(["retention"])
    assert capsys.readouterr().out.strip() == "erased 2 members whose retention period had ended"
    assert len(erased_events(reg, old)) == 2 and reg.event_count() == before + 2
    cli.main(["retention", "--dry-run"])
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 0 members of 0 closed groups")
    assert erased_events(reg, still_open) == []
    with pytest.raises(SystemExit):
        cli.main(["retention", "--on", "2026-03-02"])
