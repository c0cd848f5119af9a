"""jajo.personal: sealed fields open with the owner's key only, and never after the key is destroyed."""

from __future__ import annotations

import json

from jajo.events import EventType
from jajo.memory import InMemoryKeyStore
from jajo.personal import EnvelopeCipher, is_sealed

Joined = EventType("Joined", "id", ("member_id", "personal", "note"), personal=("personal",), owner="member_id")
Plain = EventType("Plain", "id", ("member_id", "personal"))


def envelope(event_type: EventType, member_id: str, value) -> dict:
    return {"id": "e", "type": event_type.name, "data": {"member_id": member_id, "personal": value, "note": "n"}}


def cipher(keys=None) -> EnvelopeCipher:
    return EnvelopeCipher(keys or InMemoryKeyStore(), {t.name: t for t in (Joined, Plain)})


def test_declared_fields_are_sealed_and_open_again():
    c = cipher()
    [sealed] = c.seal([envelope(Joined, "m1", {"name": "김하늘"})])
    assert is_sealed(sealed["data"]["personal"]) and "김하늘" not in json.dumps(sealed, ensure_ascii=False)
    assert sealed["data"]["note"] == "n"
    assert c.open([sealed])[0]["data"]["personal"] == {"name": "김하늘"}
    assert c.seal(c.seal([envelope(Joined, "m1", 1)]))[0]["data"]["personal"]["sealed"]  # sealed once


def test_undeclared_types_pass_unchanged():
    plain = envelope(Plain, "m1", {"name": "김하늘"})
    assert cipher().seal([plain]) == [plain]


def test_a_destroyed_key_opens_nothing_and_seals_nothing_new():
    keys = InMemoryKeyStore()
    c = cipher(keys)
    [sealed] = c.seal([envelope(Joined, "m1", {"name": "김하늘"})])
    keys.destroy("m1")
    assert c.open([sealed])[0]["data"]["personal"] is None
    try:
        c.seal([envelope(Joined, "m1", {"name": "김하늘"})])
    except Exception as exc:  # noqa: BLE001 - the type is asserted next
        assert type(exc).__name__ == "Erased"
    else:
        raise AssertionError("sealed under a destroyed key")


def test_a_ciphertext_moved_to_another_person_does_not_open():
    c = cipher()
    [one] = c.seal([envelope(Joined, "m1", {"name": "김하늘"})])
    c.seal([envelope(Joined, "m2", 0)])  # m2 has a key too
    moved = {**one, "data": {**one["data"], "personal": {**one["data"]["personal"], "key_id": "m2"}}}
    assert c.open([moved])[0]["data"]["personal"] is None
