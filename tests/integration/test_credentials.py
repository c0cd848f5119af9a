"""MongoDB with authentication, as docker-compose.yml runs it: each service signs in as its own user (the password
from its secret file), limited to its own database (deploy/mongo/10-jajo-users.js), and everything the service does
works with that user alone: indexes, transactions, the idempotency claim. The embedded Tansu has no SASL: the Kafka
side is checked statically (tests/unit/test_compose.py, tests/unit/jajo/test_credentials.py)."""

from __future__ import annotations

import pytest
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from jajo import embedded
from jajo.consent import consent_block
from services.registration.app import create_app as registration_app
from tests.conftest import STAFF

PASSWORDS = {"registration": "r" * 40, "activity": "a" * 40}
MORE_ROLES = {"registration": [("keys", "readWrite")], "activity": [("keys", "readWrite")]}  # 10-jajo-users.js
UNAUTHORIZED = 13


@pytest.fixture
def secured(settings, tmp_path):
    """A SecantusDB whose users were made before authentication was switched on (as the mongo image's first start
    does), then restarted with it: only signed-in users, each with the roles it was given."""
    port = embedded.free_port()
    storage, log = tmp_path / "mongo", tmp_path / "mongo.log"
    server = embedded.start_secantus(port, storage, log)
    setup = MongoClient(embedded.mongo_uri(port))
    for user, password in PASSWORDS.items():  # what 10-jajo-users.js does: its own database and the access records
        roles = [{"role": "readWrite", "db": settings.database_name(name)} for name in (user, "access")]
        roles += [{"role": role, "db": settings.database_name(name)} for name, role in MORE_ROLES.get(user, [])]
        setup.admin.command("createUser", user, pwd=password, roles=roles)
    setup.close()
    server.stop()
    server = embedded.start_secantus(port, storage, log, auth=True)
    uri = embedded.mongo_uri(port) + "&authSource=admin"
    yield settings.override(mongodb_uri=uri), uri
    server.stop()


def signed_in(uri: str, user: str) -> MongoClient:
    return MongoClient(uri, username=user, password=PASSWORDS[user])


def test_a_service_works_signed_in_as_its_own_user_and_no_further(secured):
    settings, uri = secured
    app = registration_app(
        settings.override(mongodb_username="registration", mongodb_password=PASSWORDS["registration"])
    )
    headers = {**STAFF, "Idempotency-Key": "signed-in-1"}
    first = app.test_client().post("/api/v1/groups", json={"name": "햇살", "year": 2026}, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = app.test_client().post("/api/v1/groups", json={"name": "햇살", "year": 2026}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert app.test_client().get("/readyz").get_json()["checks"]["mongodb"] is True
    joined = app.test_client().post(  # the member's key is made in the keys database, in the join's transaction
        f"/api/v1/groups/{first.get_json()['id']}/members",
        json={"guardian_name": "김보호", "district": "용산구", "children": [{"birth_date": "2024-01-01"}]}
        | {"consent": consent_block(1)},
        headers=STAFF,
    )
    assert joined.status_code == 201, joined.get_json()

    registration = signed_in(uri, "registration")
    try:
        assert registration[settings.database_name("registration")]["events"].count_documents({}) == 2
        with pytest.raises(OperationFailure) as refused:
            registration[settings.database_name("activity")]["events"].insert_one({"_id": "not registration's"})
        assert refused.value.code == UNAUTHORIZED
    finally:
        registration.close()
    activity = signed_in(uri, "activity")
    anonymous = MongoClient(uri)
    try:
        for client, other in ((activity, "registration"), (anonymous, "registration")):
            with pytest.raises(OperationFailure) as refused:
                client[settings.database_name(other)]["events"].find_one()
            assert refused.value.code == UNAUTHORIZED
    finally:
        activity.close()
        anonymous.close()
