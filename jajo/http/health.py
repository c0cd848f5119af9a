"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os
import time

import pymongo

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess

from jajo.consumer import consumer_health
from jajo.kafka import reachable

blueprint = Blueprint("health", __name__)
_kafka_checked: dict[str, tuple[float, bool]] = {}


@blueprint.get("/healthz", endpoint="healthz")
def healthz():
    return jsonify(status="ok")


def _mongo_ready() -> bool:
    try:
        with pymongo.timeout(current_app.extensions["jajo"].settings.readiness_timeout_ms / 1000):
            current_app.extensions["jajo"].database().client.admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


def _kafka_ready() -> bool:
    """Cached for two seconds: a readiness probe must not open a connection per call."""
    servers = current_app.extensions["jajo"].settings.kafka_bootstrap_servers
    checked_at, ok = _kafka_checked.get(servers, (0.0, False))
    if time.monotonic() - checked_at > 2.0:
        ok = reachable(current_app.extensions["jajo"].settings)
        _kafka_checked[servers] = (time.monotonic(), ok)
    return ok


def _stalled_consumers() -> list[str]:
    """The consumer members of this service's worker that made no progress for JAJO_CONSUMER_STALLED_SECONDS."""
    jajo = current_app.extensions["jajo"]
    try:
        with pymongo.timeout(jajo.settings.readiness_timeout_ms / 1000):
            members = consumer_health(jajo.database(), jajo.settings.consumer_stalled_seconds)
    except Exception:  # noqa: BLE001 - MongoDB away: the mongodb check says so
        return []
    return [member["member"] for member in members if member["stalled"]]


@blueprint.get("/readyz", endpoint="readyz")
def readyz():
    stalled = _stalled_consumers()
    checks = {"mongodb": _mongo_ready(), "kafka": _kafka_ready(), "consumers": not stalled}
    status = 200 if all(checks.values()) else 503
    return jsonify(status="ready" if status == 200 else "unavailable", checks=checks, stalled=stalled), status


@blueprint.get("/metrics", endpoint="metrics")
def metrics():
    _stalled_consumers()  # sets the jajo_consumer_stalled gauges from the members' status
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
