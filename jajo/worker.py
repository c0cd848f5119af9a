"""Runs background loops (relays, consumers) in threads until SIGTERM/SIGINT, then stops them cleanly."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable, Protocol
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from jajo import tracing
from jajo.config import Settings, load_settings
from jajo.consumer import report_loop_error
from jajo.http.logs import configure_logging

log = logging.getLogger(__name__)
METRICS_PORT_ENV = "JAJO_WORKER_METRICS_PORT"


class Loop(Protocol):
    name: str

    def run_once(self) -> int: ...

    def close(self) -> None: ...


def run_loop(loop: Loop, stop: threading.Event, idle_seconds: float = 0.05) -> None:
    """`run_once` returns the work done: 0 means idle, negative means failed (back off longer)."""
    failures = 0
    while not stop.is_set():
        try:
            done = loop.run_once()
        except Exception as exc:  # noqa: BLE001 - a worker must outlive any single failure
            report_loop_error(loop.name, exc)
            _log_failure(loop.name, exc)
            done = -1
        failures = failures + 1 if done < 0 else 0
        if done <= 0:
            stop.wait(min(5.0, idle_seconds * (2 ** min(failures, 7))) if failures else idle_seconds)
    try:
        loop.close()
    except Exception as exc:  # noqa: BLE001
        report_loop_error(loop.name, exc)


def _log_failure(name: str, exc: Exception) -> None:
    """The error's class and server code only: messages may quote documents (personal data)."""
    details = getattr(exc, "details", None) or {}
    log.debug(
        "loop failure detail",
        extra={
            "worker": name,
            "error": type(exc).__name__,
            "code": getattr(exc, "code", None),
            "code_name": details.get("codeName") if isinstance(details, dict) else None,
            "labels": sorted(getattr(exc, "_error_labels", ()) or ()),
        },
    )


def run_until_stopped(loops: list[Loop], stop: threading.Event | None = None, idle_seconds: float = 0.05) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    threads = [
        threading.Thread(target=run_loop, args=(loop, stop, idle_seconds), name=loop.name, daemon=True)
        for loop in loops
    ]
    for thread in threads:
        thread.start()
    log.info("worker started", extra={"loops": [loop.name for loop in loops]})
    heartbeat = os.environ.get("JAJO_HEARTBEAT_FILE")
    beaten = float("-inf")
    while not stop.is_set():
        if heartbeat and time.monotonic() - beaten > 5 and all(thread.is_alive() for thread in threads):
            beaten = _beat(heartbeat)
        stop.wait(0.5)
    for thread in threads:
        thread.join(timeout=15)
    log.info("worker stopped")


def _beat(path: str) -> float:
    """Touch the heartbeat file (JAJO_HEARTBEAT_FILE) that a container healthcheck reads: every loop thread is alive."""
    try:
        Path(path).touch()
    except OSError as exc:
        log.warning("heartbeat not written", extra={"error": str(exc)})
    return time.monotonic()


def worker_loops(bootstrap: Callable[[Settings], Any]) -> Callable[[Settings], list[Loop]]:
    """A worker's loops: the service's own (`Service.loops`), after its indexes exist."""

    def loops(settings: Settings) -> list[Loop]:
        service = bootstrap(settings)
        service.ensure_indexes()
        return service.loops()

    return loops


def serve(name: str, loops_of: Callable[[Settings], list[Loop]]) -> None:
    """The `main` of every service's worker: settings from the environment, JSON logs, loops until SIGTERM."""
    settings = load_settings()
    configure_logging(f"{name}-worker", settings.log_level)
    tracing.setup(f"{name}-worker")
    serve_metrics(os.environ.get(METRICS_PORT_ENV, ""))
    try:
        run_until_stopped(loops_of(settings), idle_seconds=settings.relay_idle_seconds)
    finally:
        tracing.shutdown()


def serve_metrics(port: str) -> WSGIServer | None:
    """The worker's own /metrics (relayed, consumed, dead letters, lag, outbox age) on JAJO_WORKER_METRICS_PORT:
    one process, so prometheus_client's default registry, in a thread of its own. Unset: not served."""
    if not port.strip():
        return None
    server, _ = start_http_server(int(port))
    return server
