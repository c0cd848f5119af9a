"""Fixtures of registration's integration tests: an app with a pinned clock on real MongoDB (and Kafka)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from jajo.consent import consent_block
from services.registration.app import create_app
from tests.conftest import STAFF

TODAY = date(2026, 3, 2)


class Clock:
    """A settable "today" for the join and leave dates."""

    def __init__(self, today: date):
        self.today = today

    def __call__(self) -> date:
        return self.today


def member_body(**changes) -> dict:
    body: dict[str, Any] = {
        "guardian_name": "김보호",
        "district": "용산구",
        "phone": "010-1234-5678",
        "children": [{"name": "김하늘", "birth_date": "2023-05-14"}],
    }
    body.update(changes)
    if "consent" not in changes:
        body["consent"] = consent_block(len(body["children"]) if isinstance(body.get("children"), list) else 1)
    return body


@dataclass
class Registration:
    """The service under test, with shortcuts; every request goes through HTTP."""

    client: Any
    db: Any
    store: Any  # the service's event store: `load` opens the sealed personal fields

    def form(self, **changes) -> dict:
        body = {"name": "햇살 놀이 모임", "year": 2026, "theme": "숲 놀이", **changes}
        response = self.client.post("/api/v1/groups", json=body, headers=STAFF)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def join(self, group_id: str, headers: dict | None = None, **changes):
        return self.client.post(
            f"/api/v1/groups/{group_id}/members", json=member_body(**changes), headers={**STAFF, **(headers or {})}
        )

    def joined(self, group_id: str, **changes) -> dict:
        response = self.join(group_id, **changes)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def post(self, path: str, headers: dict | None = None):
        return self.client.post(f"/api/v1{path}", headers={**STAFF, **(headers or {})})

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=STAFF)

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(f"/api/v1{path}", headers={**STAFF, **(headers or {})})

    def event_count(self) -> int:
        return self.db["events"].count_documents({})

    def events(self, subject: str) -> list[dict]:
        return self.db["events"].find({"subject": subject}).sort("aggregateversion", 1).to_list()

    def envelopes(self, subject: str) -> list[dict]:
        """As stored: personal fields sealed."""
        return [doc["envelope"] for doc in self.events(subject)]

    def opened(self, subject: str) -> list[dict]:
        return self.store.load(subject)


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def app(settings, clock):
    return create_app(settings, clock=clock)


@pytest.fixture
def reg(app) -> Registration:
    wired = app.extensions["jajo"].wired
    return Registration(app.test_client(), wired.db, wired.store)
