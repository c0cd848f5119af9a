"""Erasure (개인정보 삭제) through registration's API, on real MongoDB: the key is shredded with the event."""

from __future__ import annotations

import json

import pytest

from jajo.personal import ERASED, KEYS, Erased, KeyStore, is_sealed
from services.registration.app import create_app
from tests.conftest import STAFF, VIEWER, acting

SECRETS = {
    "guardian_name": "홍길동",
    "phone": "010-9876-5432",
    "children": [{"name": "홍아기", "birth_date": "2024-07-07"}],
}
REASON = {"reason": "보호자의 삭제 요구"}


def erase(reg, group_id: str, member_id: str, body=None, headers=None):
    return reg.client.post(
        f"/api/v1/groups/{group_id}/members/{member_id}/erase", json=body or REASON, headers=headers or STAFF
    )


def test_erasure_shreds_the_key_in_the_events_transaction_and_the_member_reads_erased(reg, settings):
    group = reg.form()
    member = reg.joined(group["id"], **SECRETS)
    other = reg.joined(group["id"], guardian_name="김보호")
    answer = erase(reg, group["id"], member["id"])
    assert answer.status_code == 200, answer.get_json()
    erased = answer.get_json()
    assert (erased["status"], erased["erased_on"], erased["guardian_name"], erased["phone"]) == (
        "erased",
        "2026-03-02",
        ERASED,
        None,
    )
    assert [(c["name"], c["birth_date"]) for c in erased["children"]] == [(ERASED, None)]
    assert reg.get(f"/groups/{group['id']}/members/{member['id']}").get_json() == erased

    keys = reg.db.client[settings.database_name("keys")][KEYS]
    assert keys.find_one({"_id": member["id"]})["key"] is None and keys.find_one({"_id": other["id"]})["key"]
    stored = reg.envelopes(group["id"])
    assert [e["type"] for e in stored] == ["GroupFormed", "MemberJoined", "MemberJoined", "MemberErased"]
    assert is_sealed(stored[1]["data"]["personal"]) and reg.opened(group["id"])[1]["data"]["personal"] is None
    assert reg.opened(group["id"])[2]["data"]["personal"]["guardian_name"] == "김보호"
    assert stored[3]["data"] == {
        "group_id": group["id"],
        "year": 2026,
        "member_id": member["id"],
        "erased_on": "2026-03-02",
        "reason": REASON["reason"],
        "documents": [],
    }
    view = reg.db["group_views"].find_one({"_id": group["id"]})
    assert view["member_count"] == 1 and [m["id"] for m in view["members"]] == [other["id"]]
    everything = json.dumps([stored, view], ensure_ascii=False)
    for secret in ("홍길동", "010-9876-5432", "홍아기", "2024-07-07"):
        assert secret not in everything


def test_erasing_again_changes_nothing(reg):
    group = reg.form()
    member = reg.joined(group["id"], **SECRETS)
    first = erase(reg, group["id"], member["id"]).get_json()
    again = erase(reg, group["id"], member["id"])
    assert again.status_code == 200 and again.get_json() == first
    assert [e["type"] for e in reg.envelopes(group["id"])][-1] == "MemberErased" and reg.event_count() == 3


def test_bad_erasures_are_refused_and_store_nothing(reg):
    group = reg.form()
    member = reg.joined(group["id"], **SECRETS)
    path = (group["id"], member["id"])
    refused = [
        (erase(reg, *path, body={"reason": "   "}), 422),
        (erase(reg, *path, body={"why": "요청"}), 422),
        (erase(reg, group["id"], "nobody"), 404),
        (erase(reg, "nogroup", member["id"]), 404),
        (erase(reg, *path, headers=VIEWER), 403),
        (erase(reg, *path, headers=acting(f"guardian:{member['id']}")), 403),
    ]
    assert [answer.status_code for answer, _ in refused] == [status for _, status in refused]
    assert all(a.headers["Content-Type"] == "application/problem+json" for a, _ in refused)
    assert "reason" in refused[0][0].get_json()["errors"]
    assert reg.event_count() == 2
    assert reg.get(f"/groups/{group['id']}/members/{member['id']}").get_json()["guardian_name"] == "홍길동"


def test_a_key_destroyed_by_another_process_is_never_used_again_from_memory(reg, settings):
    one, other = (KeyStore(reg.db.client[settings.database_name("keys")]) for _ in range(2))
    key = other.key_for("m-cached")
    assert one.keys_of(["m-cached"]) == {"m-cached": key} and one.keys_of(["m-cached"]) == {"m-cached": key}
    other.destroy("m-cached")  # another worker's erasure
    assert one.keys_of(["m-cached"]) == {} and other.keys_of(["m-cached"]) == {}
    with pytest.raises(Erased):
        one.key_for("m-cached")


def test_a_group_rebuilt_with_keys_kept_in_memory_shows_a_member_erased_elsewhere_as_erased(reg, settings, clock):
    """Registration rebuilds a group without reading the key epoch (EventStore.erasure_in_history): a member
    erased by another process comes with its MemberErased, so nothing of them shows, and every other read of the
    events (the member's record, the export's history) still opens nothing of theirs."""
    group = reg.form()
    member = reg.joined(group["id"], **SECRETS)  # this process keeps the member's key in memory
    elsewhere = create_app(settings, clock=clock).test_client()
    path = f"/api/v1/groups/{group['id']}/members/{member['id']}/erase"
    assert elsewhere.post(path, json=REASON, headers=STAFF).status_code == 200
    other = reg.joined(group["id"], guardian_name="김보호")  # rebuilt here, from the cache
    view = reg.db["group_views"].find_one({"_id": group["id"]})
    assert [m["id"] for m in view["members"]] == [other["id"]] and "홍길동" not in json.dumps(view, ensure_ascii=False)
    assert reg.get(f"/groups/{group['id']}/members/{member['id']}").get_json()["guardian_name"] == ERASED
    assert reg.store.load(group["id"])[1]["data"]["personal"] is None  # a plain read checks the epoch
