"""The audit history is read by closed ranges of `seq`, by one subject or by _id: SecantusDB walks the whole of an open
range before it applies a limit, so `seq > n` made the audit page cost the entire history after n."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pymongo import MongoClient, monitoring

from services.reporting import audit
from services.reporting.generation import STATE_ID

pytestmark = pytest.mark.integration
TYPES = ("SessionScheduled", "SessionHeld", "ExpenseApproved")


class Finds(monitoring.CommandListener):
    def __init__(self):
        self.filters: list[dict] = []

    def started(self, event):
        if event.command_name == "find" and event.command.get("find") == audit.COLLECTION:
            self.filters.append(event.command.get("filter", {}))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def history(settings):
    finds = Finds()
    client = MongoClient(settings.mongodb_uri, event_listeners=[finds])
    db = client[settings.database_name("reporting")]
    start = datetime(2025, 3, 1, tzinfo=timezone.utc)
    records = [
        {
            "_id": f"e{n}",
            "seq": n,
            "subject": f"s{n % 7}",
            "type": TYPES[n % 3 if n % 10 else 2],
            "source": "/activity",
            "at": start + timedelta(minutes=n),
            "envelope": {"id": f"e{n}", "subject": f"s{n % 7}", "type": "x", "aggregateversion": n},
        }
        for n in range(1, 301)
    ]
    audit.ensure_indexes(db)
    db[audit.COLLECTION].insert_many(records)
    db["state"].insert_one({"_id": STATE_ID, "seq": 300})
    yield db, records, finds
    client.close()


def _all_pages(db, limit: int, **filters) -> list[str]:
    seen: list[str] = []
    cursor = 0
    while True:
        events, following = audit.page(db, limit, cursor, **filters)
        seen += [e["id"] for e in events]
        if following is None:
            return seen
        cursor = following


def test_pages_and_streams_read_closed_ranges_and_miss_nothing(history):
    db, records, finds = history
    assert _all_pages(db, 50) == [r["_id"] for r in records]
    approved = [r["_id"] for r in records if r["type"] == "ExpenseApproved"]
    assert _all_pages(db, 20, type="ExpenseApproved") == approved
    assert _all_pages(db, 10, subject="s3") == [r["_id"] for r in records if r["subject"] == "s3"]
    assert [e["id"] for e in audit.stream(db, batch=64)] == [r["_id"] for r in records]
    assert [e["id"] for e in audit.stream(db, batch=64, upto=100, type="SessionHeld")] == [
        r["_id"] for r in records[:100] if r["type"] == "SessionHeld"
    ]
    assert finds.filters
    for query in finds.filters:
        closed = "$lte" in query.get("seq", {})
        by_subject = "subject" in query and "seq" not in query
        by_id = set(query) == {"_id"}  # a page's envelopes, once its records are chosen
        assert closed or by_subject or by_id, query
