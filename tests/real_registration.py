"""Registration's events as the other services really receive them: made by registration's own API, published
by its outbox relay to the real `registration.events` topic and read by the consumer under test from Kafka.

`RealRegistration(settings, consumer)` has the shape of the hand-built registries it replaces (`form`, `approve`,
`join`, `leave`, `close`, `approved_group`); every call returns once `consumer` has applied the events.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Iterator

from jajo.consent import consent_block
from jajo.kafka import ensure_topics
from tests.conftest import STAFF
from tests.waiting import eventually


def member_body(name: str = "김하늘", children: int = 1) -> dict:
    """A valid `POST /groups/{id}/members` body (children of two and of one, born on the 1st)."""
    today = date.today()
    births = [today.replace(day=1, year=today.year - 2 + (i % 2)).isoformat() for i in range(children)]
    return {
        "guardian_name": name,
        "district": "용산구",
        "children": [{"birth_date": b} for b in births],
        "consent": consent_block(children),
    }


class RealRegistration:
    def __init__(self, settings, consumer):
        from services.registration.app import create_app
        from services.registration.bootstrap import bootstrap

        self.http = create_app(settings).test_client()
        self.service = bootstrap(settings).ensure_indexes()
        self.relay = self.service.relay()
        self.consumer = consumer
        self.batch = False
        self.joined = 0

    def close_all(self) -> None:
        self.relay.close()
        self.consumer.close()

    # --- commands through registration's API --------------------------------------------------------
    def _post(self, path: str, body: dict | None = None, method: str = "post") -> dict:
        response = getattr(self.http, method)(f"/api/v1{path}", json=body, headers=STAFF)
        assert 200 <= response.status_code < 300, (path, response.status_code, response.get_json())
        if not self.batch:
            self.deliver()
        return response.get_json()

    def form(self, year: int = 2026) -> str:
        return self._post("/groups", {"name": "햇살 모임", "year": year})["id"]

    def approve(self, group_id: str, year: int = 2026) -> None:
        self._post(f"/groups/{group_id}/approve")

    def close(self, group_id: str, year: int = 2026) -> None:
        self._post(f"/groups/{group_id}/close")

    def join(self, group_id: str, children: int = 1, year: int = 2026) -> tuple[str, list[str]]:
        self.joined += 1
        member = self._post(f"/groups/{group_id}/members", member_body(f"보호자{self.joined}", children))
        return member["id"], [child["id"] for child in member["children"]]

    def leave(self, group_id: str, member_id: str, year: int = 2026) -> None:
        self._post(f"/groups/{group_id}/members/{member_id}", method="delete")

    def approved_group(self, year: int = 2026, members: int = 2) -> tuple[str, dict[str, list[str]]]:
        self.batch = True
        try:
            group_id = self.form(year)
            self.approve(group_id, year)
            joined = dict(self.join(group_id, 2, year) for _ in range(members))
        finally:
            self.batch = False
        self.deliver()
        return group_id, joined

    # --- the real path: relay → Kafka → the consumer -----------------------------------------------
    def deliver(self, timeout: float = 30) -> None:
        """Relays what registration stored and runs the consumer until it has applied every stored event."""
        known = self.consumer.projection.known_types
        stored = [e["id"] for e in self.service.store.all_events() if known is None or e["type"] in known]
        eventually(
            lambda: self.relay.run_once() == 0 and self.service.store.pending_count() == 0,
            timeout=timeout,
            interval=0.01,
            what="registration's outbox relayed",
        )
        processed = self.consumer.db["processed"]

        def applied() -> bool:
            self.consumer.run_once()
            return processed.count_documents({"_id": {"$in": stored}}) == len(stored)

        eventually(applied, timeout=timeout, interval=0.01, what="registration's events applied by the consumer")


@contextmanager
def real_registration(settings, consumer) -> Iterator[RealRegistration]:
    """A fixture's RealRegistration on the real topics, closed at the end."""
    ensure_topics(settings)
    real = RealRegistration(settings, consumer)
    try:
        yield real
    finally:
        real.close_all()
