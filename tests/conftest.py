from __future__ import annotations

import threading
import uuid

import pytest

from jajo.config import Settings
from jajo.worker import run_loop
from tests.infra import infrastructure

STAFF_TOKEN = "staff-token-for-tests-0123456789abcdef"  # tokens need 32 characters
VIEWER_TOKEN = "viewer-token-for-tests-0123456789abcdef"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
PORTAL_TOKEN = "portal-token-for-tests-0123456789abcdef"
PORTAL = {"Authorization": f"Bearer {PORTAL_TOKEN}"}


def acting(actor: str) -> dict:
    """Headers of the portal acting for a signed-in person (`staff:mina`, `guardian:<member_id>`)."""
    return {**PORTAL, "X-Jajo-Actor": actor}


@pytest.fixture(scope="session")
def infra(tmp_path_factory):
    with infrastructure(tmp_path_factory.mktemp("infra")) as found:
        yield found


@pytest.fixture
def settings(infra) -> Settings:
    """Every test gets databases and topics of its own on the shared servers."""
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    return Settings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        db_prefix=prefix,
        topic_prefix=prefix,
        topic_partitions=2,
        api_tokens=f"staff:alice:{STAFF_TOKEN},viewer:victor:{VIEWER_TOKEN},portal:web:{PORTAL_TOKEN}",
        relay_idle_seconds=0.02,
        log_level="WARNING",
    )


@pytest.fixture
def background():
    """Starts worker loops in threads; stops and joins them when the test ends."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(*loops):
        for loop in loops:
            thread = threading.Thread(target=run_loop, args=(loop, stop, 0.02), daemon=True)
            thread.start()
            threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
