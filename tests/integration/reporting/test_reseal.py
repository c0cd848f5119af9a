"""The reseal migration (`python -m services.reporting.cli reseal`): envelopes stored before their personal fields
were sealed get them sealed in place, in the event stores, the outboxes and the audit; an erased person's plain
fields are blanked; audit records made before `people` was recorded get it; a second run changes nothing."""

from __future__ import annotations

import pytest
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from jajo.envelope import build
from jajo.mongo import in_transaction
from jajo.personal import is_sealed
from services.activity.bootstrap import bootstrap as activity
from services.registration.bootstrap import bootstrap as registration
from services.reporting import audit
from services.reporting.reseal import reseal_stack

pytestmark = pytest.mark.integration

KEPT = {"guardian_name": "김보호", "phone": "010-1111-2222", "children": [{"name": "김하늘"}]}
ERASED = {"guardian_name": "홍길동", "phone": "010-9876-5432", "children": [{"name": "홍아기"}]}
FILENAME = "영수증_김보호.pdf"
PLAIN = ("김보호", "010-1111-2222", "김하늘", "홍길동", "010-9876-5432", "홍아기", FILENAME)


def joined(member: str, secrets: dict) -> dict:
    children = [{"child_id": f"{member}-c", "name": secrets["children"][0]["name"], "birth_date": "2024-01-01"}]
    personal = {"guardian_name": secrets["guardian_name"], "phone": secrets["phone"], "children": children}
    data = {"group_id": "g-old", "year": 2025, "member_id": member, "joined_on": "2025-03-02", "district": "용산구"}
    data |= {"children": [{"child_id": f"{member}-c"}], "consent": None, "personal": personal}
    return data


@pytest.fixture
def old_stack(settings, reporting, feed):
    """What a stack that ran before sealing holds: plain joins in registration's store and outbox, a plain
    filename in activity's, the same envelopes in the audit (two of its records without `people`), and the
    key of one member destroyed by an erasure."""
    reg, act = registration(settings).ensure_indexes(), activity(settings).ensure_indexes()
    reg.store.cipher = act.store.cipher = None  # the code before sealing
    joins = [
        build("MemberJoined", joined(m, secrets), subject="g-old", source="registration", aggregate_type="Group")
        | {"aggregateversion": n}
        for n, (m, secrets) in enumerate((("m-kept", KEPT), ("m-erased", ERASED)), start=1)
    ]
    document = {"document_id": "d-1", "group_id": "g-old", "year": 2025, "kind": "receipt", "session_id": None}
    document |= {"expense_id": None, "filename": FILENAME, "content_type": "application/pdf", "size": 9}
    submitted = build(
        "DocumentSubmitted",
        document | {"sha256": "0" * 64},
        subject="d-1",
        source="activity",
        aggregate_type="Document",
    )
    in_transaction(reg.client, lambda session: reg.store.append(joins, session))
    in_transaction(act.client, lambda session: act.store.append([submitted], session))
    feed([("registration.events", e) for e in joins] + [("activity.events", submitted)])
    reporting.db[audit.COLLECTION].update_many({"type": "MemberJoined"}, {"$unset": {"people": ""}})
    reporting.cipher.keys.destroy("m-erased")
    return reg, act


def plain_in(client, settings) -> dict[str, set[str]]:
    raw = CodecOptions(document_class=RawBSONDocument)
    found: dict[str, set[str]] = {}
    for service, collection in [(s, c) for s in ("registration", "activity") for c in ("events", "outbox")] + [
        ("reporting", audit.COLLECTION)
    ]:
        for document in client[settings.database_name(service)].get_collection(collection, codec_options=raw).find():
            hits = {secret for secret in PLAIN if secret.encode() in document.raw}
            if hits:
                found.setdefault(f"{service}.{collection}", set()).update(hits)
    return found


def test_reseal_seals_what_was_stored_plain_blanks_the_erased_and_finds_people(old_stack, reporting, settings):
    reg, act = old_stack
    assert set(plain_in(reporting.client, settings)) == {
        "registration.events",
        "registration.outbox",
        "activity.events",
        "activity.outbox",
        "reporting.audit_events",
    }
    dry, _ = reseal_stack(reporting, dry_run=True)
    assert dry["registration.events"].sealed == 1 and plain_in(reporting.client, settings)  # nothing changed

    resealed, people = reseal_stack(reporting)
    assert {place: (done.sealed, done.blanked) for place, done in resealed.items()} == {
        "registration.events": (1, 1),
        "registration.outbox": (1, 1),
        "activity.events": (1, 0),
        "activity.outbox": (1, 0),
        "survey.events": (0, 0),
        "survey.outbox": (0, 0),
        "reporting.audit_events": (2, 1),
    }
    assert people == 2
    assert plain_in(reporting.client, settings) == {}

    reg.store.cipher = reporting.cipher
    kept, erased = reg.store.load("g-old")
    assert kept["data"]["personal"]["guardian_name"] == "김보호" and erased["data"]["personal"] is None
    stored = reg.store.events.find_one({"_id": kept["id"]})["envelope"]
    assert is_sealed(stored["data"]["personal"]) and stored["id"] == kept["id"]  # the same event, sealed
    act.store.cipher = reporting.cipher
    assert act.store.load("d-1")[0]["data"]["filename"] == FILENAME
    assert [e["type"] for e in audit.person_history(reporting.db, "m-kept")] == ["MemberJoined"]
    audited = reporting.cipher.open(audit.subject_history(reporting.db, "g-old"))
    assert audited[0]["data"]["personal"]["phone"] == "010-1111-2222" and audited[1]["data"]["personal"] is None

    again, people = reseal_stack(reporting)
    assert all((done.sealed, done.blanked) == (0, 0) for done in again.values()) and people == 0
