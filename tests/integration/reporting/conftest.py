from __future__ import annotations

import pytest

from jajo.consumer import EventConsumer
from services.reporting.app import create_app
from services.reporting.bootstrap import bootstrap
from tests.unit.reporting.program import messages


@pytest.fixture
def reporting(settings):
    return bootstrap(settings).ensure_indexes()


@pytest.fixture
def http(settings):
    return create_app(settings).test_client()


@pytest.fixture
def feed(reporting, settings):
    """Hands messages to a fresh consumer (as after a restart), `batch` at a time, without Kafka."""

    def feed_events(events, batch: int = 50, consumer: EventConsumer | None = None) -> EventConsumer:
        consumer = consumer or EventConsumer(reporting.projection(), reporting.client, reporting.db)
        records = messages(events, settings.topic_prefix)
        for start in range(0, len(records), batch):
            consumer.handle(records[start : start + batch])
        return consumer

    return feed_events
