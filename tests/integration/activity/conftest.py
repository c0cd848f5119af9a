"""Fixtures for activity: its app, and registration's events fed to activity's view of groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from jajo.domain import new_id
from jajo.envelope import build
from services.activity.app import create_app
from tests.conftest import STAFF
from tests.real_registration import real_registration


def registration_envelope(event_type: str, group_id: str, version: int, **data) -> dict:
    return build(
        event_type,
        {"group_id": group_id, **data},
        subject=group_id,
        source="registration",
        aggregate_type="group",
        version=version,
        actor="staff:registrar",
    )


@dataclass
class Registry:
    """Builds registration's events for groups; `deliver` decides how they reach activity."""

    deliver: Callable[[list[dict]], Any]
    versions: dict = field(default_factory=dict)

    def emit(self, event_type: str, group_id: str, **data) -> dict:
        self.versions[group_id] = self.versions.get(group_id, 0) + 1
        envelope = registration_envelope(event_type, group_id, self.versions[group_id], **data)
        self.deliver([envelope])
        return envelope

    def form(self, year: int = 2026) -> str:
        group_id = new_id()
        self.emit("GroupFormed", group_id, name="햇살 모임", year=year, theme=None, description=None)
        return group_id

    def approve(self, group_id: str, year: int = 2026) -> None:
        self.emit("GroupApproved", group_id, year=year)

    def close(self, group_id: str, year: int = 2026) -> None:
        self.emit("GroupClosed", group_id, year=year)

    def join(self, group_id: str, children: int = 1, year: int = 2026) -> tuple[str, list[str]]:
        member_id, child_ids = new_id(), [new_id() for _ in range(children)]
        self.emit(
            "MemberJoined",
            group_id,
            year=year,
            member_id=member_id,
            joined_on=f"{year}-03-02",
            district="용산구",
            children=[{"child_id": c} for c in child_ids],
            personal={
                "guardian_name": "김하늘",
                "phone": None,
                "children": [{"child_id": c, "name": "아이", "birth_date": "2023-01-01"} for c in child_ids],
            },
        )
        return member_id, child_ids

    def leave(self, group_id: str, member_id: str, year: int = 2026) -> None:
        self.emit("MemberLeft", group_id, year=year, member_id=member_id, left_on=f"{year}-06-01")

    def approved_group(self, year: int = 2026, members: int = 2) -> tuple[str, dict[str, list[str]]]:
        group_id = self.form(year)
        self.approve(group_id, year)
        return group_id, dict(self.join(group_id, 2, year) for _ in range(members))


@pytest.fixture
def activity(settings):
    app = create_app(settings)
    app.testing = True
    with app.app_context():
        wired = app.extensions["jajo"].wired
    wired.client_app = app.test_client()
    return wired


@pytest.fixture
def api(activity):
    """A test client that sends the staff token unless told otherwise."""
    client = activity.client_app

    class Api:
        def __getattr__(self, method):
            call = getattr(client, method)

            def request(url, headers=None, **kwargs):
                response = call(url, headers={**STAFF, **(headers or {})}, **kwargs)
                response.get_data()
                response.close()
                response.request.environ["wsgi.input"].close()  # werkzeug leaves a spooled upload body open

                return response

            return request

    return Api()


@pytest.fixture
def registry(activity, settings):
    """Groups and members made by registration's API, its relay publishing to the real topic, activity's
    consumer reading it from Kafka (tests/real_registration.py)."""
    with real_registration(settings, activity.consumer()) as real:
        yield real


@pytest.fixture
def stored(activity):
    """Counts of what activity stored: events, outbox, files; compare before/after a rejected request."""

    def counts() -> dict:
        db = activity.db
        return {name: db[name].count_documents({}) for name in ("events", "outbox", "documents.files", "expense_views")}

    return counts
