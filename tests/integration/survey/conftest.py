"""Fixtures of survey's integration tests: the app, its wiring, and members it has heard of."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from jajo.consumer import Message
from jajo.domain import new_id
from jajo.envelope import build, encode
from services.survey.app import create_app
from services.survey.bootstrap import bootstrap
from tests.conftest import STAFF
from tests.real_registration import real_registration

QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "text": "자조모임 활동 지원에 만족하십니까?", "kind": "likert5", "category": "activity_support"},
    {"id": "q2", "text": "모임 운영 방식에 만족하십니까?", "kind": "likert5", "category": "operation"},
    {
        "id": "q3",
        "text": "어려웠던 점을 모두 골라 주세요",
        "kind": "choice",
        "options": ["서류 제출의 어려움", "온라인 모임 끊김", "없음"],
        "multiple": True,
    },
    {"id": "q4", "text": "가장 좋았던 장소", "kind": "choice", "options": ["키움터", "자람터", "공동육아방"]},
    {"id": "q5", "text": "건의 사항", "kind": "text"},
]


def registration_envelope(event_type: str, data: dict, subject: str, version: int = 1) -> dict:
    return build(
        event_type,
        data,
        subject=subject,
        source="registration",
        aggregate_type="group",
        version=version,
        actor="staff:alice",
    )


def member_joined(member_id: str, year: int, group_id: str | None = None, version: int = 2) -> dict:
    group_id = group_id or new_id()
    data = {
        "group_id": group_id,
        "year": year,
        "member_id": member_id,
        "joined_on": f"{year}-03-02",
        "district": "용산구",
        "children": [{"child_id": new_id()}],
        "personal": {
            "guardian_name": "김하늘",
            "phone": None,
            "children": [{"child_id": "c", "name": "김솔", "birth_date": f"{year - 3}-05-01"}],
        },
    }
    return registration_envelope("MemberJoined", data, group_id, version)


@pytest.fixture
def survey_service(settings):
    return bootstrap(settings).ensure_indexes()


@pytest.fixture
def client(settings):
    return create_app(settings).test_client()


@pytest.fixture
def feed(settings, survey_service):
    """Applies registration envelopes to survey's members view the way the consumer does (no Kafka)."""
    consumer = survey_service.consumer()
    offsets = itertools.count()
    topic = settings.topic("registration.events")

    def apply(*envelopes: dict) -> None:
        consumer.handle([Message(topic, 0, next(offsets), e["subject"].encode(), encode(e)) for e in envelopes])

    return apply


@pytest.fixture
def registration(settings, survey_service):
    """Registration's API and relay, the real topic, survey's members consumer reading it from Kafka."""
    with real_registration(settings, survey_service.consumer()) as real:
        yield real


@pytest.fixture
def join(registration):
    """`join(2025)` -> a new member id of a 2025 group, joined through registration, that survey knows."""

    def make(year: int = 2025, count: int = 1):
        registration.batch = True
        try:
            group_id = registration.form(year)
            ids = [registration.join(group_id, year=year)[0] for _ in range(count)]
        finally:
            registration.batch = False
        registration.deliver()
        make.group[ids[0]] = group_id  # type: ignore[attr-defined]
        return ids[0] if count == 1 else ids

    make.group = {}
    return make


@pytest.fixture
def publish(client):
    def make(**overrides) -> dict:
        body = {"title": "2025년 자조모임 만족도 조사", "year": 2025, "questions": QUESTIONS, **overrides}
        response = client.post("/api/v1/surveys", json=body, headers=STAFF)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
