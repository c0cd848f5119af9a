"""One-shot initialisation: `python -m jajo.init` creates the event topics and every service's MongoDB indexes.

Idempotent (topics that exist and indexes that exist are left alone), so it runs before every start: the `init` job of
docker-compose.yml and `make up`. It waits for Kafka and MongoDB to answer (JAJO_INIT_TIMEOUT_SECONDS, default 120)
and exits non-zero if they never do, so that nothing starts on half-made infrastructure.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
import time
from typing import Callable

from kafka.errors import KafkaError
from pymongo.errors import ConnectionFailure

from jajo.config import TOPICS, Settings, load_settings
from jajo.http.logs import configure_logging
from jajo.kafka import ensure_topics

log = logging.getLogger("jajo.init")

SERVICES = ("registration", "activity", "survey", "reporting", "portal")
# "Not up yet" (refused, no broker, no primary elected yet): worth waiting for. Anything else is a bug: fail at once.
TRANSIENT = (ConnectionFailure, KafkaError, OSError)


def _retrying(what: str, action: Callable[[], None], deadline: float) -> None:
    delay = 0.5
    while True:
        try:
            action()
            return
        except TRANSIENT as exc:
            if time.monotonic() + delay > deadline:
                raise RuntimeError(f"{what} failed until the deadline: {exc}") from exc
            log.warning("%s not possible yet, retrying", what, extra={"error": str(exc)[:300]})
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def index_service(name: str, settings: Settings) -> bool:
    """Create one service's indexes (`Service.ensure_indexes`); False when the service has no bootstrap yet."""
    module_name = f"services.{name}.bootstrap"
    if importlib.util.find_spec(f"services.{name}") is None or importlib.util.find_spec(module_name) is None:
        return False
    importlib.import_module(module_name).bootstrap(settings).ensure_indexes()
    return True


def initialise(settings: Settings, timeout_seconds: float = 120.0) -> list[str]:
    """Create the topics and the indexes; returns the services whose indexes were made."""
    deadline = time.monotonic() + timeout_seconds
    _retrying("creating topics", lambda: ensure_topics(settings, TOPICS), deadline)
    log.info("topics ready", extra={"topics": [settings.topic(name) for name in TOPICS]})
    indexed = []
    for name in SERVICES:
        done: list[bool] = []
        _retrying(f"creating {name} indexes", lambda name=name: done.append(index_service(name, settings)), deadline)  # type: ignore[misc]
        if done and done[-1]:
            indexed.append(name)
        else:
            log.warning("service has no bootstrap module yet; skipped", extra={"skipped": name})
    log.info("indexes ready", extra={"services": indexed})
    return indexed


def main() -> int:
    settings = load_settings()
    configure_logging("init", settings.log_level)
    try:
        initialise(settings, float(os.environ.get("JAJO_INIT_TIMEOUT_SECONDS", "120")))
    except RuntimeError as exc:
        log.error("init failed", extra={"error": str(exc)[:500]})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
